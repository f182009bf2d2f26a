using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Logs one warning when a host starts with Auth0 tools and no tool governance: tools registered with
/// <c>WithSharedTools</c> (so by <c>WithAuth0ManagementTools</c> and every generated <c>With&lt;Name&gt;Tools</c>) that
/// carry an <see cref="Auth0ToolDescriptor"/>, in a server that called neither <c>WithToolGovernance</c> (its
/// <see cref="GovernanceRuntime"/> is registered) nor <c>WithoutToolGovernance</c> (<see cref="UngovernedByChoice"/>).
/// Such a server lists every one of them to every client and runs every call, deletes included. Registered by
/// <c>WithSharedTools</c> (once, <c>TryAddEnumerable</c>), so the check is here only.
/// </summary>
internal sealed partial class UngovernedToolsWarning(
    IServiceProviderIsService registered,
    IEnumerable<ServerToolCollection.SharedTools> registrations,
    ILoggerFactory? loggers = null) : IHostedService
{
    // The factory, not ILogger<T>: a logger is made only to warn, and no generic logger type is built at every start
    // (the Native AOT start-up builds none at run time: AotStartupTypes.rd.xml).
    private ILogger Logger => loggers?.CreateLogger(typeof(UngovernedToolsWarning).FullName!) ?? NullLogger.Instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (registered.IsService(typeof(GovernanceRuntime)) || registered.IsService(typeof(UngovernedByChoice)))
        {
            return Task.CompletedTask;
        }

        // A name registered twice is one tool (the shared collection keeps the first).
        var tools = new Dictionary<string, Auth0ToolDescriptor>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            foreach (var tool in registration.Tools)
            {
                if (tool.Metadata.OfType<Auth0ToolDescriptor>().FirstOrDefault() is { } descriptor)
                {
                    tools.TryAdd(tool.ProtocolTool.Name, descriptor);
                }
            }
        }

        if (tools.Count > 0)
        {
            var changing = tools.Values.Count(d => !string.Equals(d.Method, "GET", StringComparison.OrdinalIgnoreCase));
            var deleting = tools.Values.Count(d => string.Equals(d.Method, "DELETE", StringComparison.OrdinalIgnoreCase));
            Ungoverned(Logger, tools.Count, changing, deleting);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "{Count} Auth0 tools are registered without tool governance: every client can list and call all of them, and {Changing} of them change data (not GET; {Deleting} DELETE). Add .WithToolGovernance(g => g.UseSqlite(path)) to the MCP server builder to put them under approval and audit, or .WithoutToolGovernance() to run them ungoverned on purpose (docs/packages.md)")]
    private static partial void Ungoverned(ILogger logger, int count, int changing, int deleting);
}

/// <summary>The mark <c>WithoutToolGovernance</c> leaves: this server's tools are ungoverned on purpose.</summary>
internal sealed class UngovernedByChoice;
