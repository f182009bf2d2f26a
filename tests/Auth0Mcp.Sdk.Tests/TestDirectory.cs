namespace Auth0Mcp.Sdk.Tests;

/// <summary>
/// A folder of its own under the system's temporary folder for one test (a store, its key and checkpoints), removed
/// with everything in it when disposed, so that test runs leave nothing behind.
/// </summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    /// <summary>The path of <paramref name="name"/> in this folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // already gone, or a file still held on a platform that locks open files: nothing to fail the test for
        }
    }
}
