using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The one place that creates the files and folders governance keeps (the store's folder and SQLite file, the
/// checkpoint file and its lock, the credentials folder, an audit export): owner-only on Unix from the moment they
/// exist (folders 0700, files 0600, before the umask), so another local account can neither read them (the audit holds
/// call arguments, the state, admin sign-ins) nor open them to take a lock that blocks every write. What exists already
/// keeps its mode. On Windows the folder's inherited ACL applies.
/// </summary>
internal static partial class PrivateFiles
{
    /// <summary>0600.</summary>
    public const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0700.</summary>
    public const UnixFileMode OwnerFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> and any missing folder above it, each owner-only (0700); an existing one keeps its mode.</summary>
    public static DirectoryInfo CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Directory.CreateDirectory(path);
        }

        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only: the missing ones above it first.
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Path.GetDirectoryName(full) is { } parent && !Directory.Exists(parent))
        {
            CreateDirectory(parent);
        }

        return Directory.CreateDirectory(full, OwnerFolder);
    }

    /// <summary>
    /// Options that create a file with <paramref name="createMode"/>'s permission bits (owner-only by default) on Unix;
    /// an existing file keeps its mode.
    /// </summary>
    public static FileStreamOptions Options(FileMode mode, FileAccess access, FileShare share, UnixFileMode createMode = OwnerFile)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows() && mode != FileMode.Open && mode != FileMode.Truncate)
        {
            const UnixFileMode permissions = OwnerFolder | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            options.UnixCreateMode = createMode & permissions;
        }

        return options;
    }

    /// <summary>
    /// Creates the file that will replace <paramref name="target"/> (moved over it once complete) at <paramref name="temp"/>:
    /// with the target's mode when it exists (owner-only unless its owner chose otherwise), else owner-only, from the
    /// moment it exists, so a replaced file never becomes readable by others, not even for a moment.
    /// </summary>
    public static FileStream CreateReplacement(string temp, string target)
    {
        var mode = !OperatingSystem.IsWindows() && File.Exists(target) ? File.GetUnixFileMode(target) : OwnerFile;
        return new FileStream(temp, Options(FileMode.CreateNew, FileAccess.Write, FileShare.None, mode));
    }

    /// <summary>
    /// Creates <paramref name="path"/> empty and owner-only when nothing is there (never through a symbolic link:
    /// <c>O_CREAT|O_EXCL</c>); returns whether it did. Anything already there is left as it is, and a file that cannot be
    /// made is not an error here: the open that follows reports it in its own words.
    /// </summary>
    public static bool CreateIfMissing(string path)
    {
        if (Path.Exists(path))
        {
            return false;
        }

        try
        {
            new FileStream(path, Options(FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)).Dispose();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // made by another process meanwhile, a dangling link, a folder this user may not write
        }
    }

    /// <summary>
    /// Throws when <paramref name="path"/> is a symbolic link: on storage another account can write, it could point
    /// the file at one of this user's own, which would then be written to.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> is a symbolic link.</exception>
    public static void RefuseLink(string path, string what)
    {
        if (new FileInfo(path).LinkTarget is { } target)
        {
            throw new IOException($"the {what} {path} is a symbolic link (to {target}); it is refused, not followed: replace it with a regular file");
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> (which must exist) for appending: on Linux and macOS with <c>O_APPEND</c>, so a file
    /// made append-only (<c>chattr +a</c>, <c>chflags uappnd</c>) can still be written, and <c>O_NOFOLLOW</c> where its
    /// value is known (a symbolic link is refused); elsewhere a plain write handle. Write at the file's end
    /// (<see cref="RandomAccess.GetLength"/>): with <c>O_APPEND</c> Linux appends whatever the offset.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static SafeFileHandle OpenAppend(string path)
    {
        if (AppendFlags() is not { } flags)
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }

        var fd = Open(path, flags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open {path} for appending ({Marshal.GetPInvokeErrorMessage(errno)})", errno);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary><c>O_WRONLY|O_APPEND|O_CLOEXEC</c> (and <c>O_NOFOLLOW</c>) of this OS and architecture, or null where they are not known here.</summary>
    internal static int? AppendFlags()
    {
        if (OperatingSystem.IsMacOS())
        {
            return 0x1 | 0x8 | 0x1000000 | 0x100;
        }

        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // O_WRONLY, O_APPEND and O_CLOEXEC are the generic values on every architecture .NET runs on; O_NOFOLLOW is not.
        const int generic = 0x1 | 0x400 | 0x80000;
        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 or Architecture.S390x or Architecture.RiscV64 or Architecture.LoongArch64 => generic | 0x20000,
            Architecture.Arm64 or Architecture.Arm or Architecture.Armv6 or Architecture.Ppc64le => generic | 0x8000,
            _ => generic,
        };
    }

    /// <summary>
    /// Publishes the complete file <paramref name="temp"/> as <paramref name="path"/> only if no file is there, and
    /// removes <paramref name="temp"/>: false (nothing replaced) when another writer published first, whose file then
    /// stands. On Unix a hard link, which the kernel refuses with <c>EEXIST</c> atomically (<c>File.Move</c> without
    /// overwrite checks, then renames: two racing writers both succeeded, the second replacing the first's file); on
    /// Windows a move without replacing, which is atomic there.
    /// </summary>
    public static bool PublishNew(string temp, string path)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                try
                {
                    File.Move(temp, path, overwrite: false);
                    return true;
                }
                catch (IOException) when (File.Exists(path))
                {
                    return false;
                }
            }

            if (LinkFile(temp, path) == 0)
            {
                return true;
            }

            if (Marshal.GetLastPInvokeError() == EEXIST)
            {
                return false;
            }

            // A file system without hard links (vfat, exFAT, CIFS without Unix extensions, some FUSE mounts: EPERM,
            // EOPNOTSUPP, ENOSYS, …): the move, as before, whose check-then-rename race stays open only there.
            try
            {
                File.Move(temp, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary><c>EEXIST</c>, the same on every Unix .NET runs on.</summary>
    private const int EEXIST = 17;

    /// <summary><c>link(2)</c>; tests replace it to play a file system without hard links (it sets the error with <see cref="Marshal.SetLastPInvokeError"/>).</summary>
    internal static Func<string, string, int> LinkFile { get; set; } = Link;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);
}
