using System.Text.Json;
using System.Text.Json.Serialization;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>Reflection-free JSON for governance documents and audit records (snake_case, enums as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(GovernanceState))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class GovernanceJsonContext : JsonSerializerContext;
