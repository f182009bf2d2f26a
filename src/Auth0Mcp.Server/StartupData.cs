using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auth0Mcp.Server;

/// <summary>
/// Hands back to the kernel the pages of the Native AOT executable that are read once, at start, and never again: the
/// runtime's compressed type data (the ReadyToRun header's dehydrated-data section, about 8 MB, which the runtime expands
/// into its writable <c>.hydrated</c> section before <c>Main</c>) and the dynamic loader's relocation table
/// (<c>.rela.dyn</c>). Both are clean pages of a read-only mapping of the executable file, so <c>madvise(MADV_DONTNEED)</c>
/// only drops them from the process's resident set; were they ever read again they would come back from the file.
/// Nothing happens under the JIT (there is no such data) or off Linux, and nothing when a check on the layout fails: a
/// range is released only when it lies wholly inside a loaded segment that is neither writable nor executable. The code
/// is kept to plain loops over spans: every page of code it touches stays resident too.
/// docs/benchmarks-server.md, session 13.
/// </summary>
internal static partial class StartupData
{
    // ReadyToRunSectionType.DehydratedData of the Native AOT runtime (src/coreclr/tools/Common/Internal/Runtime/ModuleHeaders.cs).
    private const int DehydratedDataSection = 207;
    private const uint ReadyToRunSignature = 0x00525452; // "RTR"
    private const ulong AtPhdr = 3, AtPhent = 4, AtPhnum = 5;
    private const uint PtLoad = 1, PtPhdr = 6, PfR = 4;
    private const int SectionHeaderSize = 64;

    /// <summary>Releases the start-up data when this is a Native AOT executable on Linux; the bytes released (0 when nothing was).</summary>
    public static long Release()
    {
        if (RuntimeFeature.IsDynamicCodeSupported || !OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            long released = 0;
            foreach (var (start, length) in Find() ?? [])
            {
                released += Libc.Madvise(start, (nuint)length, Libc.MadvDontNeed) == 0 ? length : 0;
            }

            return released;
        }
        catch (Exception)
        {
            // A memory saving only, run from a timer: an executable laid out otherwise, or a /proc that cannot be read,
            // must never take the server down.
            return 0;
        }
    }

    /// <summary>The page-aligned ranges to release, or null when the running executable is not laid out as expected.</summary>
    private static List<(nint Start, long Length)>? Find()
    {
        // The program headers as loaded, and the load bias: where they are less where the file puts them.
        nint phdr = (nint)GetAuxiliaryValue(AtPhdr), entry = (nint)GetAuxiliaryValue(AtPhent), count = (nint)GetAuxiliaryValue(AtPhnum);
        if (phdr == 0 || entry < 56)
        {
            return null;
        }

        // One pass: where the file puts the program headers (PT_PHDR), and the segment loaded from file offset 0, which
        // holds the ELF header; the header says where the section headers are in the file.
        long? phdrAt = null, elfAt = null;
        for (nint i = 0; i < count; i++)
        {
            var p = phdr + (i * entry);
            var type = (uint)Marshal.ReadInt32(p);
            if (type == PtPhdr)
            {
                phdrAt = Marshal.ReadInt64(p, 0x10);
            }
            else if (type == PtLoad && Marshal.ReadInt64(p, 0x08) == 0)
            {
                elfAt = Marshal.ReadInt64(p, 0x10);
            }
        }

        if (phdrAt is null || elfAt is null)
        {
            return null;
        }

        var bias = phdr - (nint)phdrAt.Value;
        var elf = bias + (nint)elfAt.Value;
        if (Marshal.ReadInt32(elf) != 0x464C457F || Marshal.ReadByte(elf, 4) != 2 || Marshal.ReadByte(elf, 5) != 1)
        {
            return null;
        }

        var sectionTable = Marshal.ReadInt64(elf, 0x28);
        int sectionSize = (ushort)Marshal.ReadInt16(elf, 0x3A), sectionCount = (ushort)Marshal.ReadInt16(elf, 0x3C), namesIndex = (ushort)Marshal.ReadInt16(elf, 0x3E);
        if (sectionSize != SectionHeaderSize || namesIndex >= sectionCount)
        {
            return null;
        }

        using var file = File.OpenHandle("/proc/self/exe");
        var sections = new byte[sectionCount * SectionHeaderSize];
        if (RandomAccess.Read(file, sections, sectionTable) != sections.Length)
        {
            return null;
        }

        var namesHeader = sections.AsSpan(namesIndex * SectionHeaderSize, SectionHeaderSize);
        var names = new byte[BinaryPrimitives.ReadInt64LittleEndian(namesHeader[0x20..])];
        if (RandomAccess.Read(file, names, BinaryPrimitives.ReadInt64LittleEndian(namesHeader[0x18..])) != names.Length)
        {
            return null;
        }

        var image = new Image(phdr, entry, count, bias);
        var ranges = new List<(nint, long)>(2);
        for (var i = 0; i < sectionCount; i++)
        {
            var section = sections.AsSpan(i * SectionHeaderSize, SectionHeaderSize);
            var name = Name(names, BinaryPrimitives.ReadInt32LittleEndian(section));
            var address = bias + (nint)BinaryPrimitives.ReadInt64LittleEndian(section[0x10..]);
            var size = BinaryPrimitives.ReadInt64LittleEndian(section[0x20..]);
            if (name.SequenceEqual(".rela.dyn"u8))
            {
                Add(ranges, image, address, address + (nint)size);
            }
            else if (name.SequenceEqual("__modules"u8) && size >= IntPtr.Size && image.Holds(address, address + IntPtr.Size, readOnly: false) && Dehydrated(Marshal.ReadIntPtr(address), image) is { } data)
            {
                Add(ranges, image, data.Start, data.End);
            }
        }

        return ranges;
    }

    private static ReadOnlySpan<byte> Name(byte[] names, int at)
    {
        if (at < 0 || at >= names.Length)
        {
            return default;
        }

        var rest = names.AsSpan(at);
        var end = rest.IndexOf((byte)0);
        return end < 0 ? default : rest[..end];
    }

    /// <summary>The dehydrated data's start and end from the ReadyToRun header's rows, read only inside the executable's loaded segments.</summary>
    private static (nint Start, nint End)? Dehydrated(nint header, Image image)
    {
        if (!image.Holds(header, header + 16, readOnly: false) || (uint)Marshal.ReadInt32(header) != ReadyToRunSignature)
        {
            return null;
        }

        int rows = (ushort)Marshal.ReadInt16(header, 12), rowSize = Marshal.ReadByte(header, 14);
        if (rowSize < 24 || !image.Holds(header, header + 16 + (rows * rowSize), readOnly: false))
        {
            return null;
        }

        for (var i = 0; i < rows; i++)
        {
            var row = header + 16 + (i * rowSize);
            if (Marshal.ReadInt32(row) == DehydratedDataSection)
            {
                nint start = Marshal.ReadIntPtr(row, 8), end = Marshal.ReadIntPtr(row, 16);
                return end > start ? (start, end) : null;
            }
        }

        return null;
    }

    /// <summary>Adds the whole pages of [start, end) when they lie in a loaded segment that is only readable.</summary>
    private static void Add(List<(nint, long)> ranges, Image image, nint start, nint end)
    {
        var page = (nint)Environment.SystemPageSize;
        nint first = (start + page - 1) & ~(page - 1), last = end & ~(page - 1);
        if (last > first && image.Holds(first, last, readOnly: true))
        {
            ranges.Add((first, last - first));
        }
    }

    /// <summary>The running executable's program headers as loaded (<paramref name="Entry"/> bytes each) and its load bias.</summary>
    private readonly record struct Image(nint Phdr, nint Entry, nint Count, nint Bias)
    {
        /// <summary>Whether [start, end) lies in one loaded segment's file-backed part (and, for <paramref name="readOnly"/>, one neither writable nor executable).</summary>
        public bool Holds(nint start, nint end, bool readOnly)
        {
            for (nint i = 0; i < Count; i++)
            {
                var p = Phdr + (i * Entry);
                if ((uint)Marshal.ReadInt32(p) != PtLoad || (readOnly && (uint)Marshal.ReadInt32(p, 4) != PfR))
                {
                    continue;
                }

                var segment = Bias + (nint)Marshal.ReadInt64(p, 0x10);
                if (start >= segment && end <= segment + (nint)Marshal.ReadInt64(p, 0x20))
                {
                    return true;
                }
            }

            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "getauxval")]
    private static partial ulong GetAuxiliaryValue(ulong type);
}
