namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Judges a whole string that may be PEM (RFC 7468): one or more blocks <c>-----BEGIN LABEL-----</c>, a base64 body
/// (RFC 1421 header lines such as <c>Proc-Type: 4,ENCRYPTED</c> allowed), <c>-----END LABEL-----</c>, with nothing
/// but whitespace around and between them. Used by the arguments' view (<see cref="JsonRedactor.RedactCallArguments"/>)
/// to show a public key or certificate under a secret-looking name (<c>pem</c>, <c>encryption_key.pem</c>) and to mask
/// a string that is a private key under any name. A body that holds anything but base64, whitespace, <c>:</c>,
/// <c>,</c> and <c>-</c> is not PEM, so a script or HTML dressed as a key is judged as the text it is.
/// </summary>
internal static class PemBlocks
{
    /// <summary>What a string is, as PEM.</summary>
    public enum Kind
    {
        /// <summary>Not only PEM blocks and whitespace.</summary>
        NotPem,

        /// <summary>Only blocks whose labels are all in <see cref="PublicLabels"/>.</summary>
        Public,

        /// <summary>Only PEM blocks, at least one a private key (its label ends in <c>PRIVATE KEY</c>).</summary>
        PrivateKey,

        /// <summary>Only PEM blocks, with a label that is neither public nor a private key.</summary>
        Other,
    }

    /// <summary>
    /// Labels whose content is public by definition: public keys (<c>PUBLIC KEY</c>, SubjectPublicKeyInfo; <c>RSA
    /// PUBLIC KEY</c>, PKCS #1), certificates (<c>CERTIFICATE</c>, and OpenSSL's <c>X509 CERTIFICATE</c> and
    /// <c>TRUSTED CERTIFICATE</c>), certificate requests (<c>CERTIFICATE REQUEST</c>, <c>NEW CERTIFICATE REQUEST</c>)
    /// and revocation lists (<c>X509 CRL</c>): each is made to be handed out, and holds no private key.
    /// </summary>
    public static readonly IReadOnlySet<string> PublicLabels = new HashSet<string>(StringComparer.Ordinal)
    {
        "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE",
        "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "X509 CRL",
    };

    private const string Begin = "-----BEGIN ";
    private const string End = "-----END ";
    private const string Dashes = "-----";
    private const int MaxLabelLength = 64;

    /// <summary>What <paramref name="text"/> is as a whole: only public blocks, only blocks with a private key among them, or not PEM.</summary>
    public static Kind Classify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rest = text.AsSpan().Trim();
        if (rest.IsEmpty)
        {
            return Kind.NotPem;
        }

        var allPublic = true;
        var privateKey = false;
        while (!rest.IsEmpty)
        {
            if (!rest.StartsWith(Begin, StringComparison.Ordinal))
            {
                return Kind.NotPem;
            }

            rest = rest[Begin.Length..];
            var close = rest.IndexOf(Dashes, StringComparison.Ordinal);
            if (close <= 0 || close > MaxLabelLength || !IsLabel(rest[..close]))
            {
                return Kind.NotPem;
            }

            var label = rest[..close].ToString();
            rest = rest[(close + Dashes.Length)..];
            var endLine = End + label + Dashes;
            var end = rest.IndexOf(endLine, StringComparison.Ordinal);
            if (end < 0 || !IsBody(rest[..end]))
            {
                return Kind.NotPem;
            }

            rest = rest[(end + endLine.Length)..].TrimStart();
            allPublic &= PublicLabels.Contains(label);
            privateKey |= label.EndsWith("PRIVATE KEY", StringComparison.Ordinal);
        }

        return privateKey ? Kind.PrivateKey : allPublic ? Kind.Public : Kind.Other;
    }

    // RFC 7468 labels in practice: capital letters, digits and single spaces (RSA PRIVATE KEY, X509 CRL).
    private static bool IsLabel(ReadOnlySpan<char> label)
    {
        foreach (var c in label)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9') or ' '))
            {
                return false;
            }
        }

        return label[0] != ' ' && label[^1] != ' ';
    }

    // Base64 and whitespace, plus what RFC 1421 headers use (Proc-Type: 4,ENCRYPTED / DEK-Info: AES-128-CBC,…).
    private static bool IsBody(ReadOnlySpan<char> body)
    {
        foreach (var c in body)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/' or '=' or ':' or ',' or '-' or ' ' or '\t' or '\r' or '\n'))
            {
                return false;
            }
        }

        return true;
    }
}
