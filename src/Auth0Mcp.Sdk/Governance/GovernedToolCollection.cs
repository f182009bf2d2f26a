using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The server's tool collection under governance: the same tools, plus a way to tell the SDK that what
/// callers may see changed, so that it sends <c>notifications/tools/list_changed</c> on the
/// <c>subscriptions/listen</c> streams of 2026-07-28+ clients (which must not get unsolicited broadcasts).
/// </summary>
internal sealed class GovernedToolCollection : McpServerPrimitiveCollection<McpServerTool>
{
    /// <summary>Creates an empty collection.</summary>
    public GovernedToolCollection()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Reports a change of the visible tools to every session of the server.</summary>
    public void NotifyChanged() => RaiseChanged();
}
