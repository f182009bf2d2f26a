using System.Security.Claims;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>Who is calling: a user (subject) and the groups they belong to.</summary>
/// <param name="User">The subject, e.g. the <c>sub</c> claim, or the stdio identity a host configures (the <c>auth0-mcp</c> server takes it from <c>AUTH0_MCP_USER</c>).</param>
/// <param name="Groups">The caller's groups.</param>
public sealed record CallerIdentity(string User, IReadOnlyList<string> Groups)
{
    /// <summary>
    /// The claim a host's authentication issues to say how the caller signed in and with what (<see cref="Credential"/>),
    /// e.g. <c>api-key 1a2b3c4d</c>: never a secret, only what names one. Believed only when the host issued it itself
    /// (the claim's issuer is <see cref="ClaimsIdentity.DefaultIssuer"/>, as for <c>new Claim(type, value)</c>): a token
    /// that carries a claim of this name cannot choose what the audit says of it.
    /// </summary>
    public const string CredentialClaimType = "auth0_mcp_credential";

    /// <summary>
    /// How the caller signed in and with what, as the audit records it (the record's <c>credential</c>): the
    /// <see cref="CredentialClaimType"/> claim (the <c>auth0-mcp</c> server: <c>api-key</c> and the first 8 hex digits of
    /// the key's SHA-256, or <c>local-user</c>), else for a token with an issuer <c>jwt iss=ISSUER</c> and its
    /// <c>jti</c> when it has one; null when nothing tells (stdio, whose caller is the host's configured identity).
    /// </summary>
    public string? Credential { get; init; }

    /// <summary>
    /// An identity from a user name and comma-separated groups (a text whose every part holds <c>=</c> is one group,
    /// an LDAP distinguished name); null when <paramref name="user"/> is blank.
    /// </summary>
    public static CallerIdentity? From(string? user, string? groups) =>
        string.IsNullOrWhiteSpace(user)
            ? null
            : new CallerIdentity(user.Trim(), GroupNames.SplitNonBlank(groups).ToArray());
}

/// <summary>Finds the caller of an MCP request. No identity means no calls.</summary>
public interface ICallerIdentityResolver
{
    /// <summary>The caller of the request in <paramref name="context"/>, or null when it cannot be told.</summary>
    ValueTask<CallerIdentity?> ResolveAsync(MessageContext context, CancellationToken cancellationToken);
}

/// <summary>
/// The default resolver: over HTTP the authenticated principal (<see cref="MessageContext.User"/>): its subject
/// claim and its group claims; an unauthenticated caller has no identity. Over stdio the configured
/// <see cref="ToolGovernanceOptions.StdioIdentity"/>: none unless the host sets it (the library reads no
/// environment; the <c>auth0-mcp</c> server sets it from <c>AUTH0_MCP_USER</c> and <c>AUTH0_MCP_GROUPS</c>).
/// The MCP SDK hands an unauthenticated HTTP request no principal, as it does a stdio message, so the transport tells
/// them apart: a message that came in an HTTP request (its own response transport) or in a session (stdio has none)
/// never gets the stdio identity.
/// </summary>
internal sealed class ClaimsCallerIdentityResolver : ICallerIdentityResolver
{
    private readonly ToolGovernanceOptions _options;

    /// <summary>Creates the resolver.</summary>
    public ClaimsCallerIdentityResolver(ToolGovernanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    public ValueTask<CallerIdentity?> ResolveAsync(MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(context.User is null && !IsStdio(context) ? null : Resolve(context.User));
    }

    /// <summary>
    /// Whether the message came over stdio (or another single-stream transport): not in an HTTP request (the SDK gives
    /// each a transport of its own for the answer) and in no session (a stream transport has no session id).
    /// </summary>
    internal static bool IsStdio(MessageContext context) =>
        context.JsonRpcMessage.Context?.RelatedTransport is null && context.Server.SessionId is null;

    /// <summary>The identity of <paramref name="user"/> (null: the stdio identity).</summary>
    public CallerIdentity? Resolve(ClaimsPrincipal? user)
    {
        if (user is null)
        {
            return _options.StdioIdentity;
        }

        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        string? subject = null;
        foreach (var type in _options.SubjectClaimTypes)
        {
            subject = user.FindFirst(type)?.Value;
            if (!string.IsNullOrWhiteSpace(subject))
            {
                break;
            }
        }

        if (string.IsNullOrWhiteSpace(subject))
        {
            return null;
        }

        var groups = new List<string>();
        foreach (var type in _options.GroupClaimTypes)
        {
            foreach (var claim in user.FindAll(type))
            {
                // A claim carries one group (a token's array is one claim per item), or a JSON array of groups as text.
                // A comma is part of a name (an LDAP DN has them): it never splits one.
                foreach (var group in GroupsOf(claim.Value))
                {
                    if (!groups.Contains(group, StringComparer.Ordinal))
                    {
                        groups.Add(group);
                    }
                }
            }
        }

        return new CallerIdentity(subject, groups) { Credential = CredentialOf(user) };
    }

    /// <summary>
    /// How <paramref name="user"/> signed in (<see cref="CallerIdentity.Credential"/>): the host's credential claim,
    /// else a token's issuer and <c>jti</c>; each value bounded as the audit bounds names.
    /// </summary>
    internal static string? CredentialOf(ClaimsPrincipal user)
    {
        // Only the host's own claim: one a token brought (its issuer is the token's) would let the caller write their credential.
        if (user.FindFirst(c => c.Type == CallerIdentity.CredentialClaimType && c.Issuer == ClaimsIdentity.DefaultIssuer)?.Value is { Length: > 0 } stated)
        {
            return Limits.AuditName(stated, 256);
        }

        if (user.FindFirst("iss")?.Value is not { Length: > 0 } issuer)
        {
            return null;
        }

        var jti = user.FindFirst("jti")?.Value;
        return "jwt iss=" + Limits.AuditName(issuer, 200) + (string.IsNullOrEmpty(jti) ? "" : " jti=" + Limits.AuditName(jti, 100));
    }

    /// <summary>
    /// The groups one claim value names: the value trimmed, or the items of a JSON array of strings given as text
    /// (<c>["a","b"]</c>); a comma never splits one. The admin console reads an ID token's groups with it too.
    /// </summary>
    internal static IEnumerable<string> GroupsOf(string value)
    {
        var text = value.Trim();
        if (text.StartsWith('[') && TryReadStringArray(text) is { } items)
        {
            return items;
        }

        return text.Length > 0 ? [text] : [];
    }

    private static List<string>? TryReadStringArray(string json)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
            var items = new List<string>();
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartArray)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
            {
                if (reader.TokenType != System.Text.Json.JsonTokenType.String)
                {
                    return null;
                }

                if (reader.GetString() is { Length: > 0 } item)
                {
                    items.Add(item);
                }
            }

            return reader.TokenType == System.Text.Json.JsonTokenType.EndArray && !reader.Read() ? items : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
