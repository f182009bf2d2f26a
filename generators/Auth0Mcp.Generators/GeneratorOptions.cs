using System;
using System.Linq;
using Auth0Mcp.Generators.Model;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Auth0Mcp.Generators;

/// <summary>Reads the MSBuild properties the generator honours (made visible by Auth0Mcp.Generation.targets).</summary>
internal static class GeneratorOptions
{
    public const string DefaultNamespace = "Auth0Mcp.Generated";

    public static BindOptions From(AnalyzerConfigOptions options)
    {
        var ns = Get(options, "build_property.Auth0McpNamespace") ?? Get(options, "build_property.RootNamespace") ?? DefaultNamespace;
        return new BindOptions(ns, ParseGroups(Get(options, "build_property.Auth0McpGroups")));
    }

    /// <summary>False when the build's pre-compile step reports the spec's diagnostics (<c>Auth0McpSpecDiagnostics=cli</c>).</summary>
    public static bool ReportsSpecDiagnostics(AnalyzerConfigOptions options) =>
        !string.Equals(Get(options, "build_property.Auth0McpSpecDiagnostics"), "cli", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether to emit the typed arguments records and tool handles: on unless <c>Auth0McpTypedArguments=false</c>.</summary>
    public static bool EmitsTypedArguments(AnalyzerConfigOptions options) =>
        !string.Equals(Get(options, "build_property.Auth0McpTypedArguments"), "false", StringComparison.OrdinalIgnoreCase);

    public static bool IsSpec(AnalyzerConfigOptions fileOptions) =>
        fileOptions.TryGetValue("build_metadata.AdditionalFiles.Auth0McpSpec", out var value)
        && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    public static EquatableArray<string> ParseGroups(string? text) =>
        (text ?? "").Split(new[] { ';', ',', ' ' }, StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Trim())
            .Where(s => s.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(s => s, StringComparer.OrdinalIgnoreCase)
            .ToEquatableArray();

    private static string? Get(AnalyzerConfigOptions options, string key) =>
        options.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
