using System.Runtime.CompilerServices;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Derives a default <see cref="ToolRisk"/> from a tool's descriptor (path, name, operation id, scopes, action). The result is
/// a starting point for review; administrators override it per tool with <c>tools classify</c>.
/// </summary>
/// <remarks>
/// Dangerous: deleting a whole entity (a user, client, connection, ...), and any write touching secrets,
/// credentials, keys, tokens, tenant settings, attack protection, MFA, email providers, log streams, bulk
/// user jobs, or deploying or rolling back the code that runs at every login (Actions). Sensitive: any other delete, any read of those subjects, and reads or writes of users, logs,
/// sessions and grants (personal data). Everything else: none.
/// </remarks>
internal static class RiskClassifier
{
    // Subjects whose change can leak or rotate secrets, lock out a tenant or touch every user.
    private static readonly string[] DangerousWriteSubjects =
    [
        "secret", "credential", "key", "rotate", "rekey", "token", "signing", "encryption",
        "tenants/settings", "tenant_settings", "attack-protection", "attack_protection", "guardian", "mfa",
        "emails/provider", "email_provider", "log-streams", "log_streams", "users-imports", "users-exports",
        "custom-domains", "custom_domains", "prompts", "branding/templates", "deploy", "rollback",
    ];

    // Subjects whose data is sensitive to read: secrets and keys, or personal data.
    private static readonly string[] SensitiveSubjects =
    [
        "secret", "credential", "key", "token", "signing", "encryption", "tenants/settings", "tenant_settings",
        "guardian", "emails/provider", "email_provider", "log-streams", "log_streams", "users", "user_",
        "logs", "sessions", "grants", "jobs", "attack-protection", "attack_protection", "device-credentials",
    ];

    private static readonly ConditionalWeakTable<Auth0ToolDescriptor, StrongBox<ToolRisk>> Classified = new();

    /// <summary>
    /// The default risk of <paramref name="descriptor"/>, derived once per descriptor: the access decision asks for it
    /// on every call and for every tool of a listing.
    /// </summary>
    public static ToolRisk Of(Auth0ToolDescriptor descriptor) =>
        Classified.GetValue(descriptor, static d => new StrongBox<ToolRisk>(Classify(d))).Value;

    /// <summary>Derives the default risk of <paramref name="descriptor"/>.</summary>
    public static ToolRisk Classify(Auth0ToolDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return Classify(descriptor.Path, descriptor.Name, descriptor.OperationId, descriptor.Scopes, descriptor.Action);
    }

    /// <summary>
    /// Derives the default risk from the descriptor values that decide it. <c>catalog diff</c> classifies the tools of
    /// a spec with it before any descriptor exists; the rule is this one method, for both.
    /// </summary>
    public static ToolRisk Classify(string path, string name, string operationId, IReadOnlyList<string> scopes, Auth0ToolAction action)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(scopes);
        var haystack = string.Join(' ', path, name, operationId, string.Join(' ', scopes)).ToLowerInvariant();

        switch (action)
        {
            case Auth0ToolAction.Delete:
                return IsWholeEntity(path) || scopes.Contains("delete:users") && !path.Contains("}/", StringComparison.Ordinal)
                    ? ToolRisk.Dangerous
                    : ToolRisk.Sensitive;
            case Auth0ToolAction.Write:
                if (ContainsAny(haystack, DangerousWriteSubjects))
                {
                    return ToolRisk.Dangerous;
                }

                return ContainsAny(haystack, SensitiveSubjects) ? ToolRisk.Sensitive : ToolRisk.None;
            default:
                return ContainsAny(haystack, SensitiveSubjects) ? ToolRisk.Sensitive : ToolRisk.None;
        }
    }

    // "/users/{id}" or "/clients/{client_id}": one path segment then one parameter.
    private static bool IsWholeEntity(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 2 && segments[1].StartsWith('{') && segments[1].EndsWith('}');
    }

    private static bool ContainsAny(string haystack, string[] needles)
    {
        foreach (var needle in needles)
        {
            if (haystack.Contains(needle, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
