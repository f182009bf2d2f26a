using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Soak;

/// <summary>What the soak found: every figure docs/reliability.md reports.</summary>
internal sealed partial class Report
{
    public required SoakOptions Options { get; init; }

    public int Planned { get; init; }

    public int Answered { get; init; }

    public int AnsweredWithError { get; init; }

    public int NotAnswered { get; init; }

    public int AuditRecords { get; init; }

    public int Lost { get; init; }

    public int Misattributed { get; init; }

    public int ExecutedWithoutApproval { get; init; }

    public int DeniedAsExpected { get; init; }

    public int UpstreamRequests { get; init; }

    public required Dictionary<string, long> LeakedBytes { get; init; }

    public int VerifyExitCode { get; init; }

    public string VerifyOutput { get; init; } = "";

    public bool Killed { get; init; }

    public required Dictionary<string, int> Faults { get; init; }

    public TimeSpan Elapsed { get; init; }

    public required List<string> Examples { get; init; }

    /// <summary>How long after the restart a failed HTTP call still counts as one in flight around the SIGKILL.</summary>
    public static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Calls not answered outside the SIGKILL and restart window (from the kill to <see cref="KillGrace"/> after the
    /// restart, HTTP only; or on a client still connected to the killed server, whose session ended with it, however late
    /// under load: the SDK's client then re-initializes and the new server refuses its mismatched version header): none
    /// may be, so a server that answers nothing, or a transport that fails on its own, fails the soak.
    /// </summary>
    public int NotAnsweredOutsideTheKill { get; init; }

    public bool Passed => Lost == 0 && Misattributed == 0 && ExecutedWithoutApproval == 0 && LeakedBytes.Values.Sum() == 0 && VerifyExitCode == 0 && Killed
        && NotAnsweredOutsideTheKill == 0;

    public static Report Build(
        List<SoakCall> calls, string audit, List<string> upstream, List<string> logs, (int Code, string Output) verify, int exportCode,
        System.Collections.Concurrent.ConcurrentDictionary<string, int> faults, (TimeSpan Start, TimeSpan End)? kill, TimeSpan elapsed, SoakOptions options)
    {
        var byMarker = calls.ToDictionary(c => c.Marker, StringComparer.Ordinal);
        var audited = new HashSet<string>(StringComparer.Ordinal);
        var misattributed = 0;
        var withoutApproval = 0;
        var records = 0;
        var examples = new List<string>();
        foreach (var line in audit.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            records++;
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var arguments = r.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() ?? "" : "";
            foreach (Match m in MarkerPattern().Matches(arguments))
            {
                if (!byMarker.TryGetValue(m.Value, out var call))
                {
                    continue;
                }

                audited.Add(call.Marker);
                var user = r.TryGetProperty("user", out var u) ? u.GetString() : null;
                var tool = r.TryGetProperty("tool", out var t) ? t.GetString() : null;
                if (user != call.User || tool != call.Tool)
                {
                    misattributed++;
                    Note(examples, $"misattributed: {call.Marker} sent by {call.User}/{call.Tool}, recorded as {user}/{tool}");
                }

                if (!call.Allowed && r.TryGetProperty("outcome", out var o) && o.GetString() == "success")
                {
                    withoutApproval++;
                    Note(examples, $"succeeded without approval: {call.Marker}");
                }
            }
        }

        foreach (var request in upstream)
        {
            foreach (Match m in MarkerPattern().Matches(Uri.UnescapeDataString(request)))
            {
                if (byMarker.TryGetValue(m.Value, out var call) && !call.Allowed)
                {
                    withoutApproval++;
                    Note(examples, $"reached Auth0 without approval: {call.Marker} {request}");
                }
            }
        }

        var lost = calls.Where(c => c.Answered && !audited.Contains(c.Marker)).ToList();
        foreach (var c in lost.Take(5))
        {
            Note(examples, $"answered but not audited: {c.Marker} ({c.Transport})");
        }

        var outputs = string.Concat(calls.Select(c => c.Output + "\n" + c.Failure + "\n"));
        var logText = string.Join('\n', logs);
        var leaked = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["client output"] = Leaked(outputs, examples, "client output"),
            ["logs"] = Leaked(logText, examples, "logs"),
            ["audit"] = Leaked(audit, examples, "audit"),
        };

        foreach (var failure in calls.Where(c => c.Failure is not null).Select(c => c.Failure!).Distinct().Take(3))
        {
            Note(examples, "not answered: " + failure);
        }

        return new Report
        {
            Options = options,
            Planned = calls.Count,
            Answered = calls.Count(c => c.Answered),
            AnsweredWithError = calls.Count(c => c.Answered && c.IsError),
            NotAnswered = calls.Count(c => !c.Answered),
            NotAnsweredOutsideTheKill = calls.Count(c => !c.Answered && !(kill is { } k && c.Transport == "http"
                && (c.OnKilledServersConnection || (c.FailedAt is { } at && at >= k.Start && at <= k.End + KillGrace)))),
            AuditRecords = records,
            Lost = lost.Count,
            Misattributed = misattributed,
            ExecutedWithoutApproval = withoutApproval,
            DeniedAsExpected = calls.Count(c => !c.Allowed && c.Answered && c.IsError && (c.Output ?? "").Contains("Denied by governance", StringComparison.Ordinal)),
            UpstreamRequests = upstream.Count,
            LeakedBytes = leaked,
            VerifyExitCode = exportCode == 0 ? verify.Code : exportCode,
            VerifyOutput = verify.Output.Trim(),
            Killed = kill is not null,
            Faults = faults.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            Elapsed = elapsed,
            Examples = examples,
        };
    }

    private static long Leaked(string text, List<string> examples, string where)
    {
        long bytes = 0;
        foreach (var secret in Planted.All)
        {
            var index = text.IndexOf(secret, StringComparison.Ordinal);
            if (index >= 0)
            {
                Note(examples, $"planted secret in {where}: …{text[Math.Max(0, index - 80)..Math.Min(text.Length, index + secret.Length + 20)].ReplaceLineEndings(" ")}…");
            }

            while (index >= 0)
            {
                bytes += Encoding.UTF8.GetByteCount(secret);
                index = text.IndexOf(secret, index + secret.Length, StringComparison.Ordinal);
            }
        }

        return bytes;
    }

    private static void Note(List<string> examples, string text)
    {
        if (examples.Count < 20)
        {
            examples.Add(text);
        }
    }

    public string Markdown()
    {
        var sb = new StringBuilder();
        var i = CultureInfo.InvariantCulture;
        sb.AppendLine(i, $"## Soak: {Planned} calls, {Options.Users} users ({Options.StdioUsers} over stdio, the rest over Streamable HTTP), fault rate {Options.FaultRate:P0}");
        sb.AppendLine();
        sb.AppendLine("| measure | value |");
        sb.AppendLine("|---|---|");
        sb.AppendLine(i, $"| calls answered | {Answered} of {Planned} ({AnsweredWithError} of them error results: faults that outlived the retries, and governance denials) |");
        sb.AppendLine(i, $"| calls not answered (transport failed around the SIGKILL and restart) | {NotAnswered - NotAnsweredOutsideTheKill} |");
        sb.AppendLine(i, $"| calls not answered at any other time (must be 0) | {NotAnsweredOutsideTheKill} |");
        sb.AppendLine(i, $"| audit records lost (answered, no record) | {Lost} |");
        sb.AppendLine(i, $"| audit records misattributed (user or tool) | {Misattributed} |");
        sb.AppendLine(i, $"| calls executed without approval (reached Auth0 or recorded as success) | {ExecutedWithoutApproval} |");
        sb.AppendLine(i, $"| calls denied as expected (pending tool, or user without a profile) | {DeniedAsExpected} |");
        sb.AppendLine(i, $"| planted secret bytes in client output / logs / audit | {LeakedBytes["client output"]} / {LeakedBytes["logs"]} / {LeakedBytes["audit"]} |");
        sb.AppendLine(i, $"| `audit verify` | exit {VerifyExitCode}: {VerifyOutput.ReplaceLineEndings(" ")} |");
        sb.AppendLine(i, $"| audit records / upstream requests | {AuditRecords} / {UpstreamRequests} |");
        sb.AppendLine(i, $"| faults injected | {string.Join(", ", Faults.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}: {f.Value}"))} |");
        sb.AppendLine(i, $"| SIGKILL + restart of the HTTP server | {(Killed ? "done" : "NOT done")} |");
        sb.AppendLine(i, $"| duration | {Elapsed.TotalSeconds:0} s |");
        sb.AppendLine();
        sb.AppendLine(Passed ? "PASSED" : "FAILED");
        foreach (var e in Examples)
        {
            sb.AppendLine("- " + e);
        }

        return sb.ToString();
    }

    public string Json() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["planned"] = Planned, ["answered"] = Answered, ["answeredWithError"] = AnsweredWithError, ["notAnswered"] = NotAnswered, ["notAnsweredOutsideTheKill"] = NotAnsweredOutsideTheKill,
        ["auditRecords"] = AuditRecords, ["lost"] = Lost, ["misattributed"] = Misattributed,
        ["executedWithoutApproval"] = ExecutedWithoutApproval, ["deniedAsExpected"] = DeniedAsExpected,
        ["leakedBytes"] = LeakedBytes, ["verifyExitCode"] = VerifyExitCode, ["verify"] = VerifyOutput, ["killed"] = Killed,
        ["faults"] = Faults, ["seconds"] = Math.Round(Elapsed.TotalSeconds), ["passed"] = Passed, ["examples"] = Examples,
    }, new JsonSerializerOptions { WriteIndented = true });

    [GeneratedRegex(@"soak-\d{5}-u\d{2}")]
    private static partial Regex MarkerPattern();
}
