using System.Runtime.InteropServices;

namespace Auth0Mcp.Server;

/// <summary>
/// <c>madvise</c> and its advice values, for the start-up memory helpers (<see cref="StartupData"/>,
/// <see cref="StartupHugePages"/>, <see cref="StartupFilePages"/>; Linux), and <c>geteuid</c>, for the local user's
/// peer check (<see cref="Http.LoopbackPeer"/>).
/// </summary>
internal static partial class Libc
{
    public const int MadvDontNeed = 4, MadvHugePage = 14, MadvNoHugePage = 15, MadvPageOut = 21;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>The process's effective user id (Unix).</summary>
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();
}
