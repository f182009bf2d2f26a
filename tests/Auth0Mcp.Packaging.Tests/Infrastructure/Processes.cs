using System.Diagnostics;
using System.Text;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>Runs a command to completion with a time limit; the result carries both streams for assertion messages.</summary>
internal static class Processes
{
    /// <summary>Variables a test host inherits from dotnet test/MSBuild that would steer a child build the wrong way.</summary>
    private static readonly string[] Inherited = ["MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "VSTEST_HOST_DEBUG", "DOTNET_HOST_PATH"];

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string?>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var name in Inherited)
        {
            psi.Environment.Remove(name);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in time.\n{await stdout}\n{await stderr}");
        }

        return new Result($"{fileName} {string.Join(' ', args)}", process.ExitCode, await stdout, await stderr);
    }

    public sealed record Result(string Command, int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString()
        {
            var sb = new StringBuilder().AppendLine($"$ {Command}  → exit {ExitCode}");
            sb.AppendLine(Tail(Stdout)).AppendLine(Tail(Stderr));
            return sb.ToString();
        }

        private static string Tail(string text) => text.Length > 6000 ? "…" + text[^6000..] : text;
    }
}
