using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using Refit;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>Refit settings for generated Auth0 clients: the generated JSON context and Auth0's URL conventions.</summary>
public static class Auth0Refit
{
    /// <summary>Creates settings that serialize with <paramref name="context"/> (no reflection) and format URLs as Auth0 expects.</summary>
    public static RefitSettings CreateSettings(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = RefitSettings.ForJsonContext(context);
        settings.UrlParameterFormatter = new Auth0UrlParameterFormatter();
        return settings;
    }

    /// <summary>
    /// Rethrows the failure of a request that got no response at all (network error, timeout, a refused path):
    /// Refit reports those inside <see cref="IApiResponse.Error"/> instead of throwing, and the tool must say why.
    /// Responses with an error status are not failures here: the captured response is the answer.
    /// </summary>
    public static void EnsureSent(IApiResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Error is ApiRequestException { InnerException: { } inner })
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
        }

        if (response.Error is ApiRequestException failure)
        {
            throw failure;
        }
    }
}

/// <summary>
/// Formats query and path values the way the Auth0 API (and its spec) expects: booleans as <c>true</c>/<c>false</c>
/// (Refit's default is <c>True</c>), numbers in the invariant culture. And a path parameter whose value is empty,
/// <c>.</c> or <c>..</c> is refused (<see cref="ArgumentException"/>, nothing sent), as the tools refuse it: the URI
/// would drop or climb the segment, so <c>DELETE /users/{id}/multifactor/{provider}</c> with <c>..</c> would reach
/// <c>DELETE /users/{id}/</c>, another operation.
/// </summary>
internal sealed class Auth0UrlParameterFormatter : DefaultUrlParameterFormatter
{
    /// <inheritdoc />
    public override string? Format(object? value, ICustomAttributeProvider attributeProvider, Type type)
    {
        var formatted = value switch
        {
            bool b => b ? "true" : "false",
            IFormattable f and not Enum => f.ToString(null, CultureInfo.InvariantCulture),
            _ => base.Format(value, attributeProvider, type),
        };
        if (formatted is "" or "." or ".." && IsPathParameter(attributeProvider))
        {
            var name = (attributeProvider as ParameterInfo)?.Name;
            throw new ArgumentException(
                $"The request was not sent: the path parameter{(name is null ? "" : $" '{name}'")} may not be {(formatted.Length == 0 ? "empty" : $"'{formatted}'")} (it would change the request's path).",
                name);
        }

        return formatted;
    }

    // Whether the value fills a {name} of the route. Refit's reflection path hands over the ParameterInfo: its method's
    // route template says. Its source-generated clients hand over only the parameter's attributes: the generated Auth0
    // clients mark every query parameter [Query] and every header [Header], so a parameter with neither is a path one.
    // A property (a query object's) or a type (a collection's item) is a query value.
    private static bool IsPathParameter(ICustomAttributeProvider provider) => provider switch
    {
        // Asked only for an empty, "." or ".." value: two attribute reads, not worth a cache.
        ParameterInfo p => (p.GetCustomAttribute<AliasAsAttribute>()?.Name ?? p.Name) is { } name
            && p.Member.GetCustomAttribute<HttpMethodAttribute>()?.Path is { } route
            && route.Contains("{" + name + "}", StringComparison.Ordinal),
        MemberInfo => false,
        null => false,
        _ => !provider.IsDefined(typeof(QueryAttribute), false) && !provider.IsDefined(typeof(HeaderAttribute), false),
    };
}
