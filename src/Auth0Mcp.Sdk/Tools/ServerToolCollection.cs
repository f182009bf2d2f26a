using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// The server's one tool collection, shared by every session and every stateless request. The SDK's Streamable HTTP
/// handler makes new server options for each request of a 2026-07-28+ client, and the options factory runs every
/// configure step again: tools registered one by one in the service collection would be copied into a new collection
/// per request (for 452 tools, a fifth of the server's processor time per call). This collection is built once, from
/// the <see cref="SharedToolsMcpServerBuilderExtensions.WithSharedTools"/> registrations, and set on the options
/// before the SDK's own setup adds any tool registered the usual way (then a lookup for a tool already there).
/// Governance also uses it to tell the SDK that what callers may see changed (<c>notifications/tools/list_changed</c>
/// on the <c>subscriptions/listen</c> streams of 2026-07-28+ clients).
/// </summary>
internal sealed class ServerToolCollection : McpServerPrimitiveCollection<McpServerTool>
{
    /// <summary>Creates an empty collection.</summary>
    public ServerToolCollection()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Reports a change of the visible tools to every session of the server.</summary>
    public void NotifyChanged() => RaiseChanged();

    /// <summary>Registers the shared collection (once per service collection).</summary>
    internal static void Register(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ServerToolCollection)))
        {
            return;
        }

        services.AddSingleton(sp =>
        {
            var collection = new ServerToolCollection();
            foreach (var registration in sp.GetServices<SharedTools>())
            {
                foreach (var tool in registration.Tools)
                {
                    collection.TryAdd(tool);
                }
            }

            return collection;
        });

        // First of the service collection, so it runs before the SDK's setup, which adds the tools registered the
        // usual way to whatever collection the options already have.
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<McpServerOptions>>(sp =>
            new ConfigureNamedOptions<McpServerOptions>(Options.DefaultName, o => o.ToolCollection ??= sp.GetRequiredService<ServerToolCollection>())));
    }

    /// <summary>One <see cref="SharedToolsMcpServerBuilderExtensions.WithSharedTools"/> registration.</summary>
    internal sealed record SharedTools(IReadOnlyList<McpServerTool> Tools);
}
