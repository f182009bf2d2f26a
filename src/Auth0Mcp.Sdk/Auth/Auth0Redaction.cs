namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// The process-wide list of secret strings (configured tokens, client secrets, issued access tokens) and the
/// redaction applied to every text the server produces from Auth0 answers and failures: tool results, doctor
/// output and error messages. A belt to the braces of never formatting a secret in the first place.
/// </summary>
public static class Auth0Redaction
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Placeholder = "[redacted]";

    private const int Capacity = 64;
    private const int MinimumLength = 8;
    private static readonly Lock Gate = new();
    private static readonly LinkedList<string> Secrets = new();
    private static string[] _snapshot = [];

    /// <summary>Adds a secret (strings shorter than 8 characters are ignored: they would redact ordinary words).</summary>
    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLength)
        {
            return;
        }

        lock (Gate)
        {
            if (Secrets.Contains(secret))
            {
                return;
            }

            Secrets.AddFirst(secret);
            while (Secrets.Count > Capacity)
            {
                Secrets.RemoveLast();
            }

            // Longest first, so that a secret containing another is replaced whole.
            _snapshot = [.. Secrets.OrderByDescending(s => s.Length)];
        }
    }

    /// <summary>Whether <paramref name="text"/> contains a registered secret.</summary>
    public static bool ContainsSecret(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var secret in Volatile.Read(ref _snapshot))
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns <paramref name="text"/> with every registered secret replaced by <see cref="Placeholder"/>.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in Volatile.Read(ref _snapshot))
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Placeholder, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
