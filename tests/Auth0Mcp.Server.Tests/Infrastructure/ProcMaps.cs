using System.Globalization;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>Reads a process's memory map (<c>/proc/PID/smaps</c>).</summary>
internal static class ProcMaps
{
    /// <summary>The resident KB of <paramref name="pid"/>'s read-only mappings of <paramref name="file"/>.</summary>
    public static long ResidentKb(int pid, string file)
    {
        long total = 0;
        var counting = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                counting = fields.Length == 6 && fields[5].Trim() == file && fields[1].StartsWith("r-", StringComparison.Ordinal);
            }
            else if (counting && fields.Length >= 2 && fields[0] == "Rss:")
            {
                total += long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
