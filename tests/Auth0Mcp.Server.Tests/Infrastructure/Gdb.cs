namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>Runs gdb in batch mode with a script on an executable (the Native AOT tests; build/test.sh installs gdb).</summary>
internal static class Gdb
{
    public static async Task<(string Stdout, string Stderr)> RunAsync(string script, string executable, IDictionary<string, string?>? env = null, TimeSpan? timeout = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gdb-{Guid.NewGuid():N}.gdb");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var (_, stdout, stderr) = await ChildProcess.RunAsync("gdb", ["-q", "-batch", "-x", file, executable], env: env, timeout: timeout);
            return (stdout, stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
