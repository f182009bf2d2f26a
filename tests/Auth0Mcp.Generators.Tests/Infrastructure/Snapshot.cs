using System.Text;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>
/// Verified-file snapshots: <c>Snapshots/&lt;Name&gt;.&lt;part&gt;.verified.&lt;ext&gt;</c> beside the tests. On a mismatch
/// the new text goes to <c>*.received.*</c> (git-ignored) and the assertion shows a unified diff; with
/// <c>AUTH0_MCP_ACCEPT_SNAPSHOTS=1</c> the received text becomes the verified text instead.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "AUTH0_MCP_ACCEPT_SNAPSHOTS";

    private static bool Accepting => Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true";

    /// <summary>
    /// Compares a whole set of files (one front end's output for one fixture) with the verified files whose names
    /// start with <paramref name="prefix"/>: a changed, new or vanished file fails, each with its diff.
    /// </summary>
    public static void VerifySet(string prefix, IEnumerable<(string Part, string Extension, string Text)> files)
    {
        Directory.CreateDirectory(TestPaths.SnapshotDirectory);
        var failures = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (part, extension, text) in files)
        {
            var stem = $"{prefix}.{part}";
            expected.Add($"{stem}.verified.{extension}");
            if (Compare(stem, extension, text) is { } failure)
            {
                failures.Add(failure);
            }
        }

        foreach (var stale in Directory.EnumerateFiles(TestPaths.SnapshotDirectory, prefix + ".*.verified.*"))
        {
            var name = Path.GetFileName(stale);
            if (expected.Contains(name))
            {
                continue;
            }

            if (Accepting)
            {
                File.Delete(stale);
            }
            else
            {
                failures.Add($"{name}: verified, but no longer produced. Delete it, or accept with {AcceptVariable}=1.");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} snapshot(s) of '{prefix}' differ:\n\n" + string.Join("\n\n", failures));
    }

    /// <summary>Compares one text with its verified file.</summary>
    public static void Verify(string name, string extension, string text)
    {
        Directory.CreateDirectory(TestPaths.SnapshotDirectory);
        var failure = Compare(name, extension, text);
        Assert.True(failure is null, failure);
    }

    private static string? Compare(string stem, string extension, string text)
    {
        var verifiedPath = Path.Combine(TestPaths.SnapshotDirectory, $"{stem}.verified.{extension}");
        var receivedPath = Path.Combine(TestPaths.SnapshotDirectory, $"{stem}.received.{extension}");
        var received = Normalize(text);
        var verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (verified == received)
        {
            File.Delete(receivedPath);
            return null;
        }

        if (Accepting)
        {
            File.WriteAllText(verifiedPath, received, new UTF8Encoding(false));
            File.Delete(receivedPath);
            return null;
        }

        File.WriteAllText(receivedPath, received, new UTF8Encoding(false));
        var name = Path.GetFileName(verifiedPath);
        return verified is null
            ? $"{name}: new snapshot (no verified file). Review {Path.GetFileName(receivedPath)}, then accept with {AcceptVariable}=1."
            : $"{name}: differs; received text in {Path.GetFileName(receivedPath)}, accept with {AcceptVariable}=1.\n" + LineDiff.Unified(verified, received, "verified", "received");
    }

    // Verified files may come back from a checkout with CRLF line ends; generated text uses LF only.
    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
