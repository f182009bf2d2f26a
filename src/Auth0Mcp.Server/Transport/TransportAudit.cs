using System.Globalization;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// Records a message refused at the transport in the audit (when governance is on): event <c>request.refused</c>,
/// outcome denied, the denial code, the caller, the tool it named (if any), and the size and digest of what was
/// received, never its content: the keyed digest of call arguments (<see cref="ArgumentsDigest"/>) over the SHA-256 the
/// guard computed as the message streamed in, so that a guess of a message's secret cannot be tested against the record
/// without the audit key. The session id a refused request named is the client's claim, never checked, so it is
/// recorded in the reason and the record's session field stays empty. Without governance the refusal is logged (to
/// stderr) instead.
/// </summary>
internal static class TransportAudit
{
    public const string Event = "request.refused";

    public static async Task RecordAsync(IServiceProvider? services, JsonRpcRefusal refusal, long bytes, string sha256, CallerIdentity? caller, string? claimedSession)
    {
        var governance = services?.GetService<ToolGovernance>();
        if (services is null || governance is null)
        {
            services?.GetService<ILoggerFactory>()?.CreateLogger("auth0-mcp.transport")
                .LogWarning("Refused a {Method} message of {Bytes} bytes from {User}: {Reason}", refusal.Method ?? "(unknown)", bytes, caller?.User ?? "-", refusal.Message);
            return;
        }

        var unrecorded = 0;
        if (services.GetService<RefusalAdmission>() is { } admission
            && !admission.TryAdmit(caller?.User ?? "", refusal.DenialCode ?? "", out unrecorded))
        {
            return; // counted: the caller's next recorded refusal of this kind says how many were not recorded
        }

        try
        {
            var record = new AuditRecord
            {
                Time = services.GetService<TimeProvider>()?.GetUtcNow() ?? DateTimeOffset.UtcNow,
                Kind = AuditKinds.Call,
                Event = Event,
                User = caller?.User,
                Groups = caller is null ? null : [.. caller.Groups],
                Credential = caller?.Credential,
                Server = governance.ServerName,
                Tool = refusal.Tool,
                Outcome = AuditOutcomes.Denied,
                DenialCode = refusal.DenialCode,
                Reason = string.Create(CultureInfo.InvariantCulture, $"{refusal.Message} (method {refusal.Method ?? "unknown"}, {bytes} bytes{Claimed(claimedSession)})")
                    + (unrecorded > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {unrecorded} more such refusal(s) of this caller not recorded since the last one (at most {RefusalAdmission.RecordedPerMinute} a minute)") : ""),
                ArgumentsHash = sha256.Length == 0 ? "" : (await governance.GetArgumentsDigestAsync(CancellationToken.None).ConfigureAwait(false)).Of("sha256:" + sha256),
            };
            await governance.AppendCallRecordAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The client was answered already; a store that cannot take the record is reported, not fatal here.
            services.GetService<ILoggerFactory>()?.CreateLogger("auth0-mcp.transport")
                .LogError("Could not audit a refused {Method} message: {Error}", refusal.Method ?? "(unknown)", ex.Message);
        }
    }

    // At most 128 characters of what the client sent: enough for any session id the SDK issues.
    private static string Claimed(string? session) => string.IsNullOrEmpty(session) ? ""
        : ", Mcp-Session-Id claimed " + (session.Length > 128 ? session[..128] + "…" : session);
}

/// <summary>
/// (One per host, a singleton of the server's services, on its clock: the TimeProvider among them.) How many <c>request.refused</c> records one caller's refusals of one kind (its user and the denial code) may write: at
/// most <see cref="RecordedPerMinute"/> a minute (a fixed window); the rest are counted and said in that caller's next
/// record of the kind. A refusal takes none of the caller's places (it is answered at once) but each record is a durable
/// write: an authenticated caller refused in a loop (over its concurrency or session cap, a wrong media type) wrote about
/// 3,600 records a second and filled the store's disk, after which every caller's calls were refused.
/// </summary>
internal sealed class RefusalAdmission(TimeProvider? time = null)
{
    /// <summary>The most refusals of one caller and kind recorded in a minute.</summary>
    public const int RecordedPerMinute = 10;

    // At most 10,000 callers and kinds tracked; past it, those whose minute is over are forgotten (WindowedAdmission).
    private readonly WindowedAdmission<(string User, string Code)> _records = new(RecordedPerMinute, TimeSpan.FromMinutes(1), time ?? TimeProvider.System);

    /// <summary>
    /// Whether this refusal of <paramref name="user"/> with <paramref name="code"/> is recorded; when it is,
    /// <paramref name="unrecorded"/> is how many of the kind were not since the last recorded one.
    /// </summary>
    public bool TryAdmit(string user, string code, out int unrecorded) => _records.TryAdmit((user, code), out unrecorded);
}
