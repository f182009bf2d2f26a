using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// The process-wide list of secret strings (configured tokens, client secrets, issued access tokens, and each
/// token's signature alone) and their removal from every text the server produces from Auth0 answers and failures:
/// tool results, doctor output and error messages. A belt to the braces of never formatting a secret in the first
/// place. The list and the masking live in the one redactor (<see cref="JsonRedactor"/>), which applies them too.
/// </summary>
internal static class Auth0Redaction
{
    /// <summary>What a secret is replaced with (the one redactor's mask).</summary>
    public const string Placeholder = JsonRedactor.Mask;

    /// <summary>
    /// Adds a secret (strings shorter than 8 characters are ignored: they would redact ordinary words).
    /// <paramref name="configured"/>: a credential the host was given, kept for the life of the process; otherwise an
    /// issued access token, of which the most recent are kept.
    /// </summary>
    public static void Register(string? secret, bool configured = false) => SecretText.Register(secret, configured);

    /// <summary>Whether <paramref name="text"/> contains a registered secret.</summary>
    public static bool ContainsSecret(string? text) => SecretText.ContainsRegistered(text);

    /// <summary>Returns <paramref name="text"/> with every registered secret replaced by <see cref="Placeholder"/>.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SecretText.MaskRegistered(text, Placeholder, out _);
    }
}
