using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The one digest of a call's arguments that is stored or shown: an audit record's <c>arguments_hash</c>, a call
/// approval's <see cref="CallApproval.ArgumentsHash"/> (<c>argumentsSha256</c>, <c>arguments_sha256=</c>), a refused
/// message's. HMAC-SHA256 (64 lowercase hex digits) of the canonical arguments (<see cref="CanonicalArguments"/>, secrets
/// included) under a key derived from the store's current audit key (<see cref="AuditKeyRing.DeriveFromCurrent"/>, label
/// <see cref="Label"/>). Equal arguments give equal digests under one key (an approval matches its call, an intent record
/// its approval), but a reader of the audit or the state, who holds no key, cannot test a guess of a masked value
/// against it: an unkeyed SHA-256 over the same JSON as the masked view let one substitute guesses for
/// <c>"[REDACTED]"</c> until the hash matched.
/// </summary>
/// <remarks>
/// A store without a key ring (not a <see cref="DbGovernanceStore"/>: a host's own store, a test's) gets a key drawn
/// at random once per process (<see cref="Ephemeral"/>): its digests match within the process only. After the audit
/// key is rotated (and the server restarted) digests change: a call approved before is asked again.
/// </remarks>
internal sealed class ArgumentsDigest
{
    /// <summary>The label the digest key is derived under.</summary>
    internal const string Label = "auth0-mcp arguments digest v1";

    private readonly byte[] _key;

    private ArgumentsDigest(byte[] key) => _key = key;

    /// <summary>The digest under a key derived from the current key of <paramref name="keys"/>.</summary>
    public static ArgumentsDigest For(AuditKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new ArgumentsDigest(keys.DeriveFromCurrent(Label));
    }

    /// <summary>The digest under a random key of this process, for stores without a key ring.</summary>
    public static ArgumentsDigest Ephemeral { get; } = new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The digest of <paramref name="arguments"/>' canonical JSON.</summary>
    public string Of(IReadOnlyDictionary<string, JsonElement> arguments) => Of(CanonicalArguments.Json(arguments));

    /// <summary>The digest of a text (UTF-8): a canonical JSON that <see cref="CanonicalArguments.Json"/> made, or a refused message's SHA-256.</summary>
    public string Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text)));
    }
}
