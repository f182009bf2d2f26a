using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server.Http;

/// <summary>
/// The one seam between the server and the admin console (<c>src/Auth0Mcp.Admin</c>, Razor Pages). Razor Pages does
/// not support trimming or Native AOT, so a <c>PublishAot</c> build leaves the console out (the project property
/// <c>Auth0McpAdminConsole</c> is false there) and asking for it is a configuration error that says so.
/// </summary>
internal static class AdminConsole
{
    /// <summary>What a Native AOT build says when the console is asked for.</summary>
    public const string Missing = "the admin console is not part of this Native AOT build of auth0-mcp (Razor Pages does not support Native AOT); run the JIT build (the auth0-mcp .NET tool, or dotnet auth0-mcp.dll) for /admin, or set AUTH0_MCP_ADMIN=off";

    /// <summary>What a Native AOT build says to <c>auth0-mcp admin</c>, the console alone.</summary>
    public const string MissingForAdminCommand = "the admin console is not part of this Native AOT build of auth0-mcp (Razor Pages does not support Native AOT): run `auth0-mcp admin` from the JIT build (the auth0-mcp .NET tool, or dotnet auth0-mcp.dll) against the same store";

#if ADMIN_CONSOLE
    /// <summary>Whether this build contains the admin console.</summary>
    public const bool Available = true;

    /// <summary>Registers the console's services with the settings' sign-in and admin groups.</summary>
    public static void AddServices(IServiceCollection services, HostSettings settings) => services.AddAuth0McpAdmin(settings.ApplyTo);

    /// <summary>Maps the console under <c>/admin</c>.</summary>
    public static void Map(WebApplication app) => app.MapAuth0McpAdmin();
#else
    /// <summary>Whether this build contains the admin console.</summary>
    public const bool Available = false;

    /// <summary>Not available in this build.</summary>
    public static void AddServices(IServiceCollection services, HostSettings settings) => throw new InvalidOperationException(Missing);

    /// <summary>Not available in this build.</summary>
    public static void Map(WebApplication app) => throw new InvalidOperationException(Missing);
#endif
}
