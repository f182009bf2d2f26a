using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Makes a SQLite commit durable with one <c>fdatasync</c> of the WAL file (Linux). The bundled SQLite syncs with a
/// full <c>fsync</c>, which also journals the file's modification time: on ext4 that is a journal commit per call
/// (about 1 ms here) where <c>fdatasync</c> of frames written over the reused WAL costs a fraction of it. The handle
/// stays open while the writer connection is open, so it always names the WAL the commit was written to.
/// </summary>
internal sealed partial class WalSync : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly string _path;

    public WalSync(string walPath)
    {
        _path = walPath;
        _handle = File.OpenHandle(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary>Whether this platform uses it (elsewhere the writer keeps <c>synchronous=FULL</c>).</summary>
    public static bool Supported { get; } = OperatingSystem.IsLinux();

    /// <summary>
    /// Flushes the WAL's data to the disk, or throws (the batch then fails closed, and the store takes no more writes:
    /// <see cref="DbGovernanceStore"/>). <paramref name="fdatasync"/> replaces the system call (tests inject a failure
    /// with it: it returns -1 after setting the error with <see cref="Marshal.SetLastPInvokeError"/>).
    /// </summary>
    public void Sync(Func<SafeFileHandle, int>? fdatasync = null)
    {
        if ((fdatasync ?? FDataSync)(_handle) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"fdatasync of {_path} failed (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle fd);
}
