using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Server;

/// <summary><c>auth0-mcp tools list [--json]</c>: the catalogue, with no credentials needed.</summary>
internal static class ToolsCommand
{
    public static int List(IReadOnlyList<Auth0ToolDescriptor> tools, bool json, TextWriter stdout)
    {
        if (json)
        {
            stdout.Write(ToJson(tools));
            stdout.WriteLine();
            return 0;
        }

        foreach (var tool in tools)
        {
            stdout.WriteLine($"{tool.Name,-66} {tool.Action,-6} {tool.Lifecycle,-4} {tool.Method,-6} {tool.Path}");
        }

        stdout.WriteLine($"{tools.Count} tools");
        return 0;
    }

    /// <summary>The JSON form: an array with each tool's MCP surface and governance metadata.</summary>
    public static string ToJson(IEnumerable<Auth0ToolDescriptor> tools)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var t in tools)
            {
                w.WriteStartObject();
                Auth0ToolDescriptorJson.WriteProperties(w, t);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
