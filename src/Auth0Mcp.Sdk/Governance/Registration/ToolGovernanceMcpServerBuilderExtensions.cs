using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds tool governance (approval, toolsets, access profiles, kill switches, hooks, audit) to an MCP server.</summary>
public static class ToolGovernanceMcpServerBuilderExtensions
{
    /// <summary>
    /// Governs every <c>tools/list</c> and <c>tools/call</c> of the server through request filters: each caller
    /// sees and may call exactly the approved tools of its active access profiles; every call attempt is audited.
    /// Seams (register your own before this call to replace a default): <see cref="IGovernanceStore"/> (default:
    /// from <see cref="ToolGovernanceOptions.StoreFactory"/>, e.g. <c>g.UseSqlite(path)</c>), <see cref="ICallerIdentityResolver"/>,
    /// <see cref="IToolCallHook"/> (added to the built-in hooks) and <see cref="TimeProvider"/>.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="configure">Sets the options; they are validated when the server starts.</param>
    /// <returns>The builder.</returns>
    public static IMcpServerBuilder WithToolGovernance(this IMcpServerBuilder builder, Action<ToolGovernanceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<ToolGovernanceOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // The host fails at start with each problem named (ToolGovernanceOptions.Validate's messages).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ToolGovernanceOptions>, ToolGovernanceOptionsValidator>());
        options.ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGovernanceStore>(sp => sp.GetRequiredService<IOptions<ToolGovernanceOptions>>().Value.StoreFactory?.Invoke(sp)
            ?? throw new InvalidOperationException(ToolGovernanceOptions.NoStore));
        services.TryAddSingleton<ICallerIdentityResolver>(sp => new ClaimsCallerIdentityResolver(sp.GetRequiredService<IOptions<ToolGovernanceOptions>>().Value));
        services.TryAddSingleton(sp => new ToolGovernance(
            sp.GetRequiredService<IGovernanceStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ToolGovernanceOptions>>().Value.ServerName));
        services.TryAddSingleton<GovernanceRuntime>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, GovernanceStartup>());
        // Governance notifies through the server's shared collection (Tools/ServerToolCollection.cs).
        ServerToolCollection.Register(services);
        services.PostConfigure<ModelContextProtocol.Server.McpServerOptions>(o =>
        {
            // A collection the host set itself is governed through a copy.
            if (o.ToolCollection is { } tools and not ServerToolCollection)
            {
                var governed = new ServerToolCollection();
                foreach (var tool in tools)
                {
                    governed.Add(tool);
                }

                o.ToolCollection = governed;
            }
        });

        return builder.WithRequestFilters(filters => filters
            .AddListToolsFilter(next => (context, cancellationToken) =>
                Runtime(context.Services).ListToolsAsync(context, next, cancellationToken))
            .AddCallToolFilter(next => (context, cancellationToken) =>
                Runtime(context.Services).CallToolAsync(context, next, cancellationToken)));
    }

    /// <summary>
    /// Says that this server's tools are ungoverned on purpose: every client lists and may call every registered tool,
    /// writes and deletes included, and nothing is audited. Its only effect is to silence the warning a host logs at
    /// start when it has Auth0 tools (<c>WithAuth0ManagementTools</c>, a generated <c>With&lt;Name&gt;Tools</c>) and
    /// no <see cref="WithToolGovernance"/>. With <see cref="WithToolGovernance"/> also called, the tools are governed.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <returns>The builder.</returns>
    public static IMcpServerBuilder WithoutToolGovernance(this IMcpServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<UngovernedByChoice>();
        return builder;
    }

    private static GovernanceRuntime Runtime(IServiceProvider? services) =>
        (services ?? throw new InvalidOperationException("The MCP request has no service provider; tool governance cannot run."))
            .GetRequiredService<GovernanceRuntime>();
}

/// <summary>Validates <see cref="ToolGovernanceOptions"/> with <see cref="ToolGovernanceOptions.Validate"/>'s messages.</summary>
internal sealed class ToolGovernanceOptionsValidator : IValidateOptions<ToolGovernanceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ToolGovernanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "tool governance: " + p));
    }
}
