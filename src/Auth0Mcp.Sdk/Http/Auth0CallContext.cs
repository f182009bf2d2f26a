using Auth0Mcp.Sdk.Catalog;
using ModelContextProtocol;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// What the HTTP pipeline knows about the tool call in progress on this async flow: which operation it is (for
/// telemetry) and where to report progress while it waits to retry. The tool invocation opens it with
/// <c>Begin</c> before sending; the pipeline reads <see cref="Current"/>.
/// </summary>
public sealed class Auth0CallContext : IDisposable
{
    private static readonly AsyncLocal<Auth0CallContext?> Slot = new();
    private readonly Auth0CallContext? _previous;
    private readonly IProgress<ProgressNotificationValue>? _progress;
    private int _progressCount;

    private Auth0CallContext(string operation, Auth0ToolDescriptor? descriptor, IProgress<ProgressNotificationValue>? progress, Auth0CallContext? previous)
    {
        Operation = operation;
        Descriptor = descriptor;
        _progress = progress;
        _previous = previous;
    }

    /// <summary>The call in progress on this async flow, if any.</summary>
    public static Auth0CallContext? Current => Slot.Value;

    /// <summary>The operation name used in telemetry: the tool name, or e.g. <c>doctor</c>.</summary>
    public string Operation { get; }

    /// <summary>The tool's descriptor, when the call is a tool call.</summary>
    public Auth0ToolDescriptor? Descriptor { get; }

    /// <summary>How many retries the call made (429, 5xx, network errors, attempt timeouts).</summary>
    public int Retries { get; internal set; }

    /// <summary>How many times the call renewed its token after a 401.</summary>
    public int TokenRefreshes { get; private set; }

    /// <summary>Opens a call context for a tool call on the current async flow.</summary>
    /// <param name="descriptor">The tool being called.</param>
    /// <param name="progress">Where to report retry waits (the MCP request's progress token), or null.</param>
    public static Auth0CallContext Begin(Auth0ToolDescriptor descriptor, IProgress<ProgressNotificationValue>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return Begin(descriptor.Name, descriptor, progress);
    }

    /// <summary>Opens a call context for a non-tool call (e.g. the doctor's probe).</summary>
    public static Auth0CallContext Begin(string operation, IProgress<ProgressNotificationValue>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operation);
        return Begin(operation, null, progress);
    }

    private static Auth0CallContext Begin(string operation, Auth0ToolDescriptor? descriptor, IProgress<ProgressNotificationValue>? progress)
    {
        var context = new Auth0CallContext(operation, descriptor, progress, Slot.Value);
        Slot.Value = context;
        return context;
    }

    /// <summary>Sends a progress notification, if the caller asked for them; progress increases with each one.</summary>
    public void ReportProgress(string message)
    {
        if (_progress is null)
        {
            return;
        }

        var n = Interlocked.Increment(ref _progressCount);
        try
        {
            _progress.Report(new ProgressNotificationValue { Progress = n, Message = Auth0Mcp.Sdk.Auth.Auth0Redaction.Redact(message) });
        }
#pragma warning disable CA1031 // A progress sink that fails must not fail the call.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    internal void NoteTokenRefresh() => TokenRefreshes++;

    /// <summary>Closes the context (restores the enclosing one on this flow).</summary>
    public void Dispose()
    {
        if (ReferenceEquals(Slot.Value, this))
        {
            Slot.Value = _previous;
        }
    }
}
