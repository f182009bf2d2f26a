using System.Text.Json;

namespace Auth0Mcp.Sdk.Catalog;

/// <summary>The one JSON shape of a tool's catalogue entry, shared by every listing (catalogue and governance).</summary>
internal static class Auth0ToolDescriptorJson
{
    /// <summary>
    /// Writes the descriptor's properties into the open object: <c>name</c>, <c>title</c>, <c>description</c>,
    /// <c>method</c>, <c>path</c>, <c>operationId</c>, <c>group</c> (segments joined with '.'), <c>scopes</c>,
    /// <c>action</c>, <c>lifecycle</c>, <c>annotations</c> and <c>inputSchema</c>.
    /// </summary>
    public static void WriteProperties(Utf8JsonWriter writer, Auth0ToolDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(descriptor);
        writer.WriteString("name", descriptor.Name);
        writer.WriteString("title", descriptor.Title);
        writer.WriteString("description", descriptor.Description);
        writer.WriteString("method", descriptor.Method);
        writer.WriteString("path", descriptor.Path);
        writer.WriteString("operationId", descriptor.OperationId);
        writer.WriteString("group", descriptor.GroupName);
        writer.WriteStartArray("scopes");
        foreach (var scope in descriptor.Scopes)
        {
            writer.WriteStringValue(scope);
        }

        writer.WriteEndArray();
        writer.WriteString("action", descriptor.Action.ToString());
        writer.WriteString("lifecycle", descriptor.Lifecycle);
        writer.WriteStartObject("annotations");
        writer.WriteString("title", descriptor.Title);
        writer.WriteBoolean("readOnlyHint", descriptor.ReadOnly);
        writer.WriteBoolean("destructiveHint", descriptor.Destructive);
        writer.WriteBoolean("idempotentHint", descriptor.Idempotent);
        writer.WriteBoolean("openWorldHint", descriptor.OpenWorld);
        writer.WriteEndObject();
        writer.WritePropertyName("inputSchema");
        writer.WriteRawValue(descriptor.InputSchema);
    }
}
