using System.Text;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>
/// How text becomes search terms, the same for tools and queries: words split at anything that is not a letter or
/// digit and at camelCase humps (<c>phoneNumber</c> → phone, number), lower-cased, stop words dropped, Porter-stemmed.
/// </summary>
internal static partial class SearchText
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "s", "t", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "could", "do", "does", "for",
        "from", "has", "have", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on",
        "or", "our", "please", "she", "so", "that", "the", "their", "them", "then", "there", "these", "they", "this",
        "those", "to", "us", "was", "we", "were", "will", "with", "would", "you", "your", "he", "him", "one", "some",
        "auth0", "v2", "many", "every", "each", "also", "just", "now", "currently", "should", "need", "want", "let", "lets",
    };

    /// <summary>The lower-case words of <paramref name="text"/>, stop words included.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                // A hump (lower → Upper) starts a new word: userMetadata → user, metadata.
                if (sb.Length > 0 && char.IsUpper(c) && i > 0 && char.IsLower(text[i - 1]))
                {
                    words.Add(sb.ToString());
                    sb.Clear();
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else if (sb.Length > 0)
            {
                words.Add(sb.ToString());
                sb.Clear();
            }
        }

        if (sb.Length > 0)
        {
            words.Add(sb.ToString());
        }

        return words;
    }

    /// <summary>Whether <paramref name="word"/> (lower case) carries no meaning for search.</summary>
    public static bool IsStopWord(string word) => StopWords.Contains(word);

    /// <summary>The stemmed terms of <paramref name="text"/>, stop words dropped, in order (repeats kept).</summary>
    public static IEnumerable<string> Terms(string text)
    {
        foreach (var word in Words(text))
        {
            if (!IsStopWord(word))
            {
                yield return PorterStemmer.Stem(word);
            }
        }
    }

    /// <summary>
    /// Replaces values an operator pastes into a request (an email address, an IP address, a URL or host name, an
    /// Auth0 id such as <c>auth0|abc</c> or <c>con_abc</c>) by the word for what they are, so that
    /// <c>jane@example.com</c> searches for "email" and not for "jane", "example" and "com".
    /// </summary>
    public static string ReplaceValues(string query)
    {
        query = Email().Replace(query, " email ");
        query = Url().Replace(query, " url ");
        query = IpAddress().Replace(query, " ip ");
        query = HostName().Replace(query, " domain ");
        query = PrefixedId().Replace(query, " id ");
        return query;
    }

    [GeneratedRegex(@"[\w.+-]+@[\w-]+(\.[\w-]+)+")]
    private static partial Regex Email();

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Url();

    [GeneratedRegex(@"\b\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?\b|\b[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}\b")]
    private static partial Regex IpAddress();

    [GeneratedRegex(@"\b[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*\.(com|net|org|io|dev|app|co|us|eu|au|jp|uk|de|fr|example|test|local)\b")]
    private static partial Regex HostName();

    [GeneratedRegex(@"\b(auth0|google-oauth2|samlp|waad|email|sms|oidc|adfs)\|\S+|\b(con|org|cgr|rol|inv|lst|tpl|cred|mod)_[A-Za-z0-9]{6,}\b")]
    private static partial Regex PrefixedId();
}
