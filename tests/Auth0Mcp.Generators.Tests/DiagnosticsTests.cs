using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// Malformed specs (Fixtures/Malformed) become diagnostics with the right id and spec line, through both front
/// ends, and never an exception. The expected lines are the fixtures' own: keep the fixtures' layout when editing.
/// </summary>
public sealed class DiagnosticsTests
{
    public static TheoryData<string, string, DiagnosticSeverity, int> Cases => new()
    {
        // The missing comma is noticed where the next member starts.
        { "BadJson", DiagnosticIds.InvalidJson, DiagnosticSeverity.Error, 8 },
        // The line of the $ref that points at nothing.
        { "DanglingRef", DiagnosticIds.DanglingRef, DiagnosticSeverity.Error, 13 },
        // Start -> Alpha -> Beta -> Alpha: reported at the first $ref to the schema that closes the loop (Start's).
        { "RefCycle", DiagnosticIds.RefCycle, DiagnosticSeverity.Error, 19 },
        // The nameless operation itself (its JSON pointer: /paths/~1anonymous~1{id}/delete).
        { "MissingName", DiagnosticIds.MissingOperationName, DiagnosticSeverity.Info, 9 },
        // The operationId of the second operation that maps to auth0_get_roles.
        { "NameClash", DiagnosticIds.NameClash, DiagnosticSeverity.Warning, 13 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToolGenerator_MalformedSpec_ReportsIdAtSpecLine(string fixture, string id, DiagnosticSeverity severity, int line)
    {
        var (_, result) = GeneratorHost.Run(Malformed(fixture), "Fixtures.Malformed");

        Assert.Null(result.Exception);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(severity, diagnostic.Severity);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(GeneratorHost.SpecPath, span.Path);
        Assert.Equal(line, span.StartLinePosition.Line + 1);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id.StartsWith("CS", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Core_MalformedSpec_ReportsIdAtSpecLine(string fixture, string id, DiagnosticSeverity severity, int line)
    {
        var run = CoreRun.From(Malformed(fixture), "Fixtures.Malformed");

        var diagnostic = Assert.Single(run.Diagnostics, d => d.Id == id);
        Assert.Equal(line, diagnostic.Line);
        Assert.Equal(severity, diagnostic.Severity switch
        {
            Severity.Error => DiagnosticSeverity.Error,
            Severity.Warning => DiagnosticSeverity.Warning,
            _ => DiagnosticSeverity.Info,
        });
    }

    [Fact]
    public void ToolGenerator_BadJson_ReportsColumnAndEmitsNothing()
    {
        var (_, result) = GeneratorHost.Run(Malformed("BadJson"), "Fixtures.Malformed");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(new LinePosition(7, 4), diagnostic.Location.GetLineSpan().StartLinePosition);
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void ToolGenerator_MissingName_FallsBackToMethodAndPath()
    {
        var (_, result) = GeneratorHost.Run(Malformed("MissingName"), "Fixtures.Malformed");

        var tools = string.Concat(result.GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Contains("name: \"auth0_delete_anonymous_by_id\"", tools, StringComparison.Ordinal);
        Assert.Contains("name: \"auth0_get_named\"", tools, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolGenerator_NameClash_KeepsBothToolsWithDistinctNames()
    {
        var run = CoreRun.From(Malformed("NameClash"), "Fixtures.Malformed");

        var names = run.RequiredModel.Tools.Select(t => t.Name).ToList();
        Assert.Equal(2, names.Count);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("auth0_get_roles", names);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"openapi\":\"3.1.0\"}")]
    [InlineData("{\"paths\":{\"/x\":{\"get\":{\"parameters\":[{\"in\":\"query\"}],\"requestBody\":{\"content\":{\"application/json\":{}}},\"responses\":{\"200\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/\"}}}}}}}}}")]
    public void ToolGenerator_DegenerateSpec_ReportsWithoutThrowing(string text)
    {
        var (_, result) = GeneratorHost.Run(text, "Fixtures.Degenerate");

        Assert.Null(result.Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id.StartsWith("CS", StringComparison.Ordinal));
    }

    /// <summary>Refs that only input-schema rendering resolves: a path parameter's schema and a union's alternatives.</summary>
    private const string RendererOnlyRefs = """
        {
          "openapi": "3.1.0",
          "info": { "title": "Refs", "version": "1" },
          "paths": {
            "/things/{id}": {
              "put": {
                "operationId": "putThing",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/MissingId" } }],
                "requestBody": { "content": { "application/json": { "schema": { "oneOf": [{ "$ref": "#/components/schemas/MissingA" }, { "$ref": "#/components/schemas/Loop" }] } } } },
                "responses": { "204": { "description": "done" } }
              }
            }
          },
          "components": { "schemas": { "Loop": { "$ref": "#/components/schemas/Loop" } } }
        }
        """;

    public static TheoryData<string> SpecsForBothBindModes => new()
    {
        RendererOnlyRefs,
        Malformed("DanglingRef"),
        Malformed("RefCycle"),
        SmallSpecs.Text(SmallSpecs.Constructs),
        SmallSpecs.Text(SmallSpecs.Schemas),
        SmallSpecs.Text(SmallSpecs.Operations),
        SmallSpecs.Text(SmallSpecs.Legacy30),
    };

    [Theory]
    [MemberData(nameof(SpecsForBothBindModes))]
    public void Core_BindWithoutInputSchemas_ReportsWhatRenderingReports(string spec)
    {
        var (document, _) = Reading.SpecReader.Read(spec);
        var options = new Model.BindOptions("Fixtures.Modes", Model.EquatableArray<string>.Empty);

        var (rendered, renderedDiagnostics) = Binding.SpecBinder.Bind(document!, options);
        var (walked, walkedDiagnostics) = Binding.SpecBinder.Bind(document!, options with { InputSchemas = false });

        Assert.Equal(renderedDiagnostics.Select(d => d.Id + " " + d.Message), walkedDiagnostics.Select(d => d.Id + " " + d.Message));
        Assert.All(walked.Tools, t => Assert.Equal("", t.InputSchema));
        Assert.All(rendered.Tools, t => Assert.NotEqual("", t.InputSchema));
    }

    [Fact]
    public void Core_BindWithoutInputSchemas_StillReportsRefsOnlyRenderingResolves()
    {
        var (document, _) = Reading.SpecReader.Read(RendererOnlyRefs);

        var (_, diagnostics) = Binding.SpecBinder.Bind(document!, new Model.BindOptions("Fixtures.Modes", Model.EquatableArray<string>.Empty) { InputSchemas = false });

        Assert.Contains(diagnostics, d => d.Id == DiagnosticIds.DanglingRef && d.Message.Contains("MissingId", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Id == DiagnosticIds.DanglingRef && d.Message.Contains("MissingA", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Id == DiagnosticIds.RefCycle && d.Message.Contains("Loop", StringComparison.Ordinal));
    }

    private static string Malformed(string name) => TestPaths.ReadFixture(Path.Combine("Malformed", name + ".json"));

    [Theory]
    [InlineData("""{"openapi":"3.1.0","info":{"title":"x","version":"1"},}""")] // trailing comma
    [InlineData("""{"openapi":"3.1.0" "info":{}}""")]                          // missing comma
    public void Reader_InvalidJson_SaysWhatIsWrongWithoutTheParsersAdviceOrPosition(string spec)
    {
        var (document, diagnostics) = Reading.SpecReader.Read(spec);

        Assert.Null(document);
        var error = Assert.Single(diagnostics);
        Assert.StartsWith("The spec is not valid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("reader options", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("this mode", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line == 1 && error.Column > 1, $"{error.Line}:{error.Column}");
    }
}
