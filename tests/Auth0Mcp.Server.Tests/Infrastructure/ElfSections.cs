using System.Text;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>The section headers of an ELF64 executable file, read on their own (no tool): name, address, file offset, size.</summary>
internal static class ElfSections
{
    public sealed record Section(string Name, long Address, long Offset, long Size);

    public static List<Section> Read(string executable)
    {
        using var reader = new BinaryReader(File.OpenRead(executable));
        reader.BaseStream.Position = 0x28;
        var sectionTable = reader.ReadInt64();
        reader.BaseStream.Position = 0x3C;
        int count = reader.ReadUInt16(), namesIndex = reader.ReadUInt16();
        var headers = Enumerable.Range(0, count).Select(i =>
        {
            reader.BaseStream.Position = sectionTable + (i * 64);
            var name = reader.ReadInt32();
            reader.BaseStream.Position += 12;
            return (Name: name, Address: reader.ReadInt64(), Offset: reader.ReadInt64(), Size: reader.ReadInt64());
        }).ToList();
        reader.BaseStream.Position = headers[namesIndex].Offset;
        var names = reader.ReadBytes((int)headers[namesIndex].Size);
        string NameOf(int at) => Encoding.ASCII.GetString(names, at, Array.IndexOf(names, (byte)0, at) - at);
        return headers.Select(h => new Section(NameOf(h.Name), h.Address, h.Offset, h.Size)).ToList();
    }

    /// <summary>The whole pages inside [<paramref name="start"/>, <paramref name="end"/>): the first one's address and their length.</summary>
    public static (long First, long Length) WholePages(long start, long end)
    {
        long first = (start + 4095) & ~4095L, last = end & ~4095L;
        return (first, last - first);
    }
}
