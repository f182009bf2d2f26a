using System.Diagnostics;
using System.Text;

namespace Auth0Mcp.Tests.Shared;

/// <summary>
/// Runs a command to completion and returns its exit code and both streams: the one runner of the test projects (linked
/// into each, not copied). Servers a test starts and talks to are started by their own harnesses, not here.
/// </summary>
internal static class ChildProcess
{
    /// <summary>
    /// Variables a test host inherits from dotnet test/MSBuild that would steer a child build the wrong way; removed from
    /// every child (nothing else reads them).
    /// </summary>
    private static readonly string[] Inherited =
        ["MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "VSTEST_HOST_DEBUG", "DOTNET_HOST_PATH"];

    /// <summary>How much of each stream a failure message or <see cref="Result.ToString"/> shows: its end.</summary>
    private const int TailLength = 6000;

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="args"/> in <paramref name="workingDirectory"/> (else the current
    /// one), with this process's environment less <see cref="Inherited"/>, plus <paramref name="env"/> (a null value removes
    /// the variable). <paramref name="input"/> is written to its standard input, which is then closed. After
    /// <paramref name="timeout"/> (10 minutes unless given) the whole process tree is killed and a
    /// <see cref="TimeoutException"/> names the command with the end of both streams.
    /// </summary>
    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> args,
        string? workingDirectory = null,
        IDictionary<string, string?>? env = null,
        TimeSpan? timeout = null,
        string? input = null)
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

        var command = $"{fileName} {string.Join(' ', psi.ArgumentList)}";
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
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(10);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await CloseInputAsync(process, input, cts.Token);
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"$ {command}  did not finish in {limit}; killed.\n"
                + $"stdout: {Tail(await DrainAsync(stdout))}\nstderr: {Tail(await DrainAsync(stderr))}");
        }

        return new Result(command, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Writes <paramref name="input"/>, if any, and closes standard input; a child that exits (or closes its input) without
    /// reading it all is not an error here.
    /// </summary>
    private static async Task CloseInputAsync(Process process, string? input, CancellationToken cancellationToken)
    {
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
                await process.StandardInput.FlushAsync(cancellationToken);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Broken pipe: the exit code and output say what happened.
        }
    }

    /// <summary>What a stream of a killed tree had written; a grandchild outside the tree that still holds it open is not waited on for long.</summary>
    private static async Task<string> DrainAsync(Task<string> stream)
    {
        try
        {
            return await stream.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            return "(still open)";
        }
    }

    private static string Tail(string text) => text.Length > TailLength ? "…" + text[^TailLength..] : text;

    /// <summary>A finished command: deconstruct it as <c>var (code, stdout, stderr) = …</c>; its text is for assertion messages.</summary>
    public sealed record Result(string Command, int ExitCode, string Stdout, string Stderr)
    {
        public void Deconstruct(out int exitCode, out string stdout, out string stderr)
        {
            exitCode = ExitCode;
            stdout = Stdout;
            stderr = Stderr;
        }

        public override string ToString() =>
            new StringBuilder().AppendLine($"$ {Command}  → exit {ExitCode}").AppendLine(Tail(Stdout)).AppendLine(Tail(Stderr)).ToString();
    }
}
