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
/// (Refit's default is <c>True</c>), numbers in the invariant culture.
/// </summary>
internal sealed class Auth0UrlParameterFormatter : DefaultUrlParameterFormatter
{
    /// <inheritdoc />
    public override string? Format(object? value, ICustomAttributeProvider attributeProvider, Type type) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f and not Enum => f.ToString(null, CultureInfo.InvariantCulture),
        _ => base.Format(value, attributeProvider, type),
    };
}
