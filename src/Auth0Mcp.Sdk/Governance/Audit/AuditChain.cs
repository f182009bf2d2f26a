using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>One stored audit row: the sealed record's canonical JSON and its chain hashes.</summary>
/// <param name="Sequence">The position in the chain.</param>
/// <param name="Body">The canonical JSON of the record (without <see cref="AuditRecord.Hash"/>).</param>
/// <param name="PreviousHash">The previous row's hash.</param>
/// <param name="Hash">sha256 of <paramref name="PreviousHash"/> and <paramref name="Body"/>.</param>
public sealed record AuditRow(long Sequence, string Body, string PreviousHash, string Hash);

/// <summary>The result of checking the audit chain.</summary>
/// <param name="IsValid">Whether every record is intact and none is missing.</param>
/// <param name="Count">How many records were checked.</param>
/// <param name="Problems">What is wrong, one line per problem.</param>
public sealed record AuditVerification(bool IsValid, long Count, IReadOnlyList<string> Problems);

/// <summary>Seals audit records into a hash chain and verifies a chain.</summary>
public static class AuditChain
{
    /// <summary>The previous hash of the first record.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>
    /// Sets <paramref name="record"/>'s sequence and previous hash, computes its hash, and returns the row to store.
    /// </summary>
    public static AuditRow Seal(AuditRecord record, long sequence, string previousHash)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Sequence = sequence;
        record.PreviousHash = previousHash;
        record.Hash = null;
        var body = JsonSerializer.Serialize(record, GovernanceJsonContext.Default.AuditRecord);
        var hash = ComputeHash(previousHash, body);
        record.Hash = hash;
        return new AuditRow(sequence, body, previousHash, hash);
    }

    /// <summary>sha256 (hex) of the previous hash, a newline and the body.</summary>
    public static string ComputeHash(string previousHash, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + "\n" + body)));

    /// <summary>Reads a stored row back into a record (with its hash).</summary>
    public static AuditRecord Read(AuditRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var record = JsonSerializer.Deserialize(row.Body, GovernanceJsonContext.Default.AuditRecord)
            ?? throw new InvalidDataException($"Audit record {row.Sequence} is empty.");
        record.Hash = row.Hash;
        return record;
    }

    /// <summary>
    /// Verifies rows in sequence order against each other and against the stored head (the last sequence and
    /// hash, kept apart from the rows so that deleting the newest record is detected too).
    /// </summary>
    public static async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditRow> rows, (long Sequence, string Hash) head, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var problems = new List<string>();
        long expected = 1, count = 0;
        var previous = Genesis;
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            if (row.Sequence != expected)
            {
                problems.Add($"record {expected}{(row.Sequence > expected + 1 ? $"..{row.Sequence - 1}" : "")} is missing (next present is {row.Sequence})");
            }

            if (!string.Equals(row.PreviousHash, previous, StringComparison.Ordinal))
            {
                problems.Add($"record {row.Sequence}: previous hash does not match record {row.Sequence - 1}");
            }

            if (!string.Equals(ComputeHash(row.PreviousHash, row.Body), row.Hash, StringComparison.Ordinal))
            {
                problems.Add($"record {row.Sequence}: content does not match its hash (edited)");
            }
            else if (!BodySequenceMatches(row))
            {
                problems.Add($"record {row.Sequence}: sequence in the record does not match its position");
            }

            previous = row.Hash;
            expected = row.Sequence + 1;
        }

        if (head.Sequence != expected - 1)
        {
            problems.Add($"the chain ends at record {expected - 1} but the head says {head.Sequence} (records deleted at the end?)");
        }
        else if (head.Sequence > 0 && !string.Equals(head.Hash, previous, StringComparison.Ordinal))
        {
            problems.Add($"the last record's hash does not match the head");
        }

        return new AuditVerification(problems.Count == 0, count, problems);
    }

    private static bool BodySequenceMatches(AuditRow row)
    {
        try
        {
            using var doc = JsonDocument.Parse(row.Body);
            return doc.RootElement.TryGetProperty("sequence", out var seq) && seq.TryGetInt64(out var value) && value == row.Sequence;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
