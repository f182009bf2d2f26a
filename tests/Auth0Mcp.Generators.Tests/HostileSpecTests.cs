using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Reading;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// Hostile specs (review s31/rX, HostileSpecProbes): walks that were exponential in the spec's size, text that is no
/// text, JSON too deep for the tools to parse, response keys and names that broke the generated C#, silent drops.
/// Each asserts a result; the exponential cases use inputs that took hours before (they hung, not failed).
/// </summary>
public sealed class HostileSpecTests
{
    private const string Ns = "Probe.Gen";

    internal static JsonObject Op(string opId, string? summary = null, string? description = null, JsonArray? parameters = null, JsonObject? body = null, JsonObject? responses = null)
    {
        var o = new JsonObject { ["operationId"] = opId };
        if (summary is not null) o["summary"] = summary;
        if (description is not null) o["description"] = description;
        if (parameters is not null) o["parameters"] = parameters;
        if (body is not null) o["requestBody"] = body;
        o["responses"] = responses ?? new JsonObject { ["200"] = new JsonObject { ["description"] = "ok" } };
        return o;
    }

    internal static string Spec(JsonObject paths, JsonObject? schemas = null, string title = "Probe")
    {
        var doc = new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject { ["title"] = title, ["version"] = "1" },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "https://example.test/api/v2" }),
            ["paths"] = paths,
        };
        if (schemas is not null) doc["components"] = new JsonObject { ["schemas"] = schemas };
        return doc.ToJsonString(new JsonSerializerOptions { MaxDepth = 2000, WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    internal static JsonObject Body(JsonNode schema) => new()
    {
        ["required"] = true,
        ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema.DeepClone() } },
    };

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    private static SchemaResolver Resolver(string text)
    {
        var (document, _) = SpecReader.Read(text);
        Assert.NotNull(document);
        return new SchemaResolver(document!, []);
    }

    /// <summary>No warning or error from the generated code's compile (a consumer builds it with TreatWarningsAsErrors).</summary>
    private static void AssertCompiles(CoreRun run)
    {
        var compiled = GeneratedCompilation.Compile("HostileHost", run.ClientFiles(), run.SpecText, Ns);
        var problems = compiled.Problems.Where(d => !d.Id.StartsWith("A0MG", StringComparison.Ordinal)).ToList();
        Assert.True(problems.Count == 0 && compiled.Success, GeneratedCompilation.Result.Format(problems));
    }

    // ---- 1. Exponential walks -------------------------------------------------------------------------------

    /// <summary><c>Loop = {"anyOf": [Loop × k]}</c>, used by one body property.</summary>
    private static string SelfAnyOf(int k, bool withNull)
    {
        var members = new JsonArray();
        for (var i = 0; i < k; i++) members.Add(Ref("Loop"));
        if (withNull) members.Add(new JsonObject { ["type"] = "null" });
        var schemas = new JsonObject
        {
            ["Loop"] = new JsonObject { ["anyOf"] = members },
            ["Holder"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["x"] = Ref("Loop") } },
        };
        var paths = new JsonObject { ["/a"] = new JsonObject { ["post"] = Op("make_a", body: Body(Ref("Holder"))) } };
        return Spec(paths, schemas);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AllowsNull_SelfReferentialAnyOf_IsLinear(bool withNull)
    {
        // 6 members: 6^16 (2.8e12) walks before, hours; the null member comes last, so every loop is walked first.
        var text = SelfAnyOf(6, withNull);
        var resolver = Resolver(text);

        Assert.Equal(withNull, resolver.AllowsNull(new SchemaNode { Ref = "Loop" }));
        Assert.True(resolver.AllowsNullSteps < 10, $"{resolver.AllowsNullSteps} steps");

        var run = CoreRun.From(text, Ns);
        var holder = Assert.Single(run.RequiredModel.Dtos, d => d.Name == "Holder");
        Assert.Equal(withNull, Assert.Single(holder.Properties).AllowsNull);
    }

    [Fact]
    public void AllowsNull_NullBehindASharedCycle_IsFoundFromEveryEntry()
    {
        // A → [B, null]; B → [A]: B allows null through A, whichever is asked first.
        var schemas = new JsonObject
        {
            ["A"] = new JsonObject { ["anyOf"] = new JsonArray(Ref("B"), new JsonObject { ["type"] = "null" }) },
            ["B"] = new JsonObject { ["oneOf"] = new JsonArray(Ref("A")) },
        };
        var text = Spec(new JsonObject(), schemas);
        var resolver = Resolver(text);

        Assert.True(resolver.AllowsNull(new SchemaNode { Ref = "A" }));
        Assert.True(resolver.AllowsNull(new SchemaNode { Ref = "B" }));
    }

    [Fact]
    public void IsObjectLike_ChainOfWideAllOfs_IsLinearAndFindsTheObject()
    {
        // C0..C14, each an allOf of 6 refs to the next, C15 an object: 6^15 walks before.
        var schemas = new JsonObject();
        for (var level = 0; level < 15; level++)
        {
            var members = new JsonArray();
            for (var i = 0; i < 6; i++) members.Add(Ref("C" + (level + 1)));
            schemas["C" + level] = new JsonObject { ["allOf"] = members };
        }

        schemas["C15"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["x"] = new JsonObject { ["type"] = "string" } } };
        schemas["Loop"] = new JsonObject { ["allOf"] = new JsonArray(Ref("C0"), Ref("Loop")) };
        var resolver = Resolver(Spec(new JsonObject(), schemas));

        Assert.True(resolver.IsObjectLike(new SchemaNode { Ref = "C0" }));
        Assert.False(resolver.IsObjectLike(new SchemaNode { Ref = "Loop" }));
    }

    [Fact]
    public void MergeAllOf_ManyMembersReferringToTheirOwnSchema_MergesEachOncePerDepth()
    {
        // 300 members: 300^4 (8e9) member merges of 300 members each before.
        var members = new JsonArray();
        for (var i = 0; i < 300; i++) members.Add(Ref("Loop"));
        members.Add(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["x"] = new JsonObject { ["type"] = "string" } } });
        var resolver = Resolver(Spec(new JsonObject(), new JsonObject { ["Loop"] = new JsonObject { ["allOf"] = members } }));

        var merged = resolver.MergeAllOf(resolver.Deref(new SchemaNode { Ref = "Loop" }, out _));

        Assert.Contains(merged.Properties, p => p.Name == "x");
    }

    /// <summary>Ten components S0..S9, each a oneOf of k refs to the next; S9's members are of <paramref name="leaf"/> type.</summary>
    private static string OneOfLadder(int k, string leaf)
    {
        var schemas = new JsonObject();
        for (var level = 0; level < 10; level++)
        {
            var members = new JsonArray();
            for (var i = 0; i < k; i++) members.Add(level == 9 ? new JsonObject { ["type"] = leaf } : Ref("S" + (level + 1)));
            schemas["S" + level] = new JsonObject { ["oneOf"] = members };
        }

        var body = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["api_token"] = Ref("S0") } };
        return Spec(new JsonObject { ["/a"] = new JsonObject { ["post"] = Op("make_a", body: Body(body)) } }, schemas);
    }

    [Theory]
    [InlineData("integer", false)]
    [InlineData("string", true)]
    public void SecretFields_DeepWideOneOf_IsLinearAndReachesTheLeaves(string leaf, bool secret)
    {
        // 20 members a level: 20^9 (5e11) walks before, hours; the string leaves sit 10 levels down (past the old cut at 8).
        var names = SecretFields.Collect(OneOfLadder(20, leaf));

        Assert.Equal(secret, names.Contains("api_token"));
    }

    // ---- 2. Lone surrogate escapes ---------------------------------------------------------------------------

    public static TheoryData<string, string> LoneSurrogates => new()
    {
        { "description", "x\\ud800y" },
        { "property name", "p\\udc00" },
        { "reversed pair", "\\udc00\\ud800" },
    };

    [Theory]
    [MemberData(nameof(LoneSurrogates))]
    public void LoneSurrogateEscape_IsInvalidJsonAtItsLine_NoException(string where, string escape)
    {
        var schemas = new JsonObject { ["Thing"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["PROPNAME"] = new JsonObject { ["type"] = "string" } } } };
        var paths = new JsonObject { ["/b"] = new JsonObject { ["post"] = Op("make_b", description: "DESCRIPTION", body: Body(Ref("Thing"))) } };
        var text = Spec(paths, schemas).Replace(where == "property name" ? "PROPNAME" : "DESCRIPTION", escape);
        var line = text[..text.IndexOf(escape, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

        var run = CoreRun.From(text, Ns);

        Assert.Null(run.Model);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidJson, diagnostic.Id);
        Assert.Equal(Severity.Error, diagnostic.Severity);
        Assert.Equal(line, diagnostic.Line);
        Assert.Contains(escape.Substring(escape.IndexOf('\\', StringComparison.Ordinal), 6), diagnostic.Message, StringComparison.Ordinal);
        _ = SecretFields.Collect(text);

        // The Roslyn front end: the error at the spec's line, no generator exception.
        var (_, result) = GeneratorHost.Run(text, Ns);
        Assert.Null(result.Exception);
        var reported = Assert.Single(result.Diagnostics, d => d.Id == DiagnosticIds.InvalidJson);
        Assert.Equal(line, reported.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    [Fact]
    public void SurrogatePairEscape_ReadsAsItsCharacter()
    {
        var paths = new JsonObject { ["/a"] = new JsonObject { ["get"] = Op("get_a", summary: "SUMMARY") } };
        var text = Spec(paths).Replace("SUMMARY", "a \\ud83d\\ude00 \\\\ud800 b");

        var run = CoreRun.From(text, Ns);

        Assert.Equal("a \U0001F600 \\ud800 b", Assert.Single(run.RequiredModel.Tools).Title);
    }

    // ---- 3. Input schemas deeper than the tools parse --------------------------------------------------------

    private static JsonNode Nested(int levels, Func<JsonObject, JsonObject> wrap)
    {
        JsonNode deep = new JsonObject { ["type"] = "string" };
        for (var i = 0; i < levels; i++)
        {
            deep = wrap((JsonObject)deep);
        }

        return deep;
    }

    public static TheoryData<string> DeepShapes => new() { "properties", "anyOf", "items" };

    [Theory]
    [MemberData(nameof(DeepShapes))]
    public void DeepBody_InputSchemaParsesAndTheToolIsServed(string shape)
    {
        // 40 levels inline (the old cut was at 32 schema levels, 64+ JSON levels for properties and alternatives).
        var body = Nested(40, inner => shape switch
        {
            "properties" => new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["n"] = inner } },
            "anyOf" => new JsonObject { ["anyOf"] = new JsonArray(inner, new JsonObject { ["type"] = "null" }) },
            _ => new JsonObject { ["type"] = "array", ["items"] = inner },
        });

        var run = CoreRun.From(Spec(new JsonObject { ["/d"] = new JsonObject { ["post"] = Op("make_d", body: Body(body)) } }), Ns);
        var tool = Assert.Single(run.RequiredModel.Tools);

        using (var parsed = JsonDocument.Parse(tool.InputSchema))
        {
            Assert.True(Depth(parsed.RootElement) <= SchemaRenderer.MaxJsonDepth, $"depth {Depth(parsed.RootElement)}");
        }

        var descriptor = new Auth0Mcp.Sdk.Catalog.Auth0ToolDescriptor(tool.Name, tool.Title, tool.Description, tool.Method, tool.Path, tool.OperationId,
            tool.Group.ToArray(), tool.Scopes.ToArray(), Auth0Mcp.Sdk.Catalog.Auth0ToolAction.Write, tool.Lifecycle, tool.InputSchema, false, false, false);
        _ = new Auth0Mcp.Sdk.Tools.Auth0ApiTool(descriptor);
        if (shape != "items")
        {
            // Items nest one JSON level each (cut at 32 schema levels, as before); properties and alternatives two.
            Assert.Contains(run.Diagnostics, d => d.Id == DiagnosticIds.InputSchemaTooDeep);
        }
    }

    [Fact]
    public void DeepDefault_IsLeftOutAndReported()
    {
        JsonNode value = new JsonArray();
        for (var i = 0; i < 60; i++) value = new JsonArray(value);
        var parameters = new JsonArray(new JsonObject { ["name"] = "q", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "array", ["default"] = value, ["items"] = new JsonObject { ["type"] = "string" } } });
        var run = CoreRun.From(Spec(new JsonObject { ["/a"] = new JsonObject { ["get"] = Op("get_a", parameters: parameters) } }), Ns);
        var tool = Assert.Single(run.RequiredModel.Tools);

        using var parsed = JsonDocument.Parse(tool.InputSchema);
        Assert.False(parsed.RootElement.GetProperty("properties").GetProperty("q").TryGetProperty("default", out _));
        Assert.Contains(run.Diagnostics, d => d.Id == DiagnosticIds.InputSchemaTooDeep);
    }

    [Fact]
    public void Fixtures_EveryInputSchema_ParsesWithDefaultOptions()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(TestPaths.ProjectDirectory, "Fixtures"), "*.json"))
        {
            var run = CoreRun.From(File.ReadAllText(path), "Fixtures.Deep");
            Assert.All(run.RequiredModel.Tools, t =>
            {
                using var parsed = JsonDocument.Parse(t.InputSchema);
                Assert.True(Depth(parsed.RootElement) <= SchemaRenderer.MaxJsonDepth);
            });
            Assert.DoesNotContain(run.Diagnostics, d => d.Id == DiagnosticIds.InputSchemaTooDeep);
        }
    }

    internal static int Depth(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => 1 + e.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + e.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    // ---- 4. Response keys ------------------------------------------------------------------------------------

    [Fact]
    public void ResponseKey_NotAStatus_IsIgnoredAndReported_TheClientCompiles()
    {
        var paths = new JsonObject
        {
            ["/a"] = new JsonObject { ["get"] = Op("get_a", responses: new JsonObject { ["2\u2028}"] = new JsonObject { ["description"] = "ok" } }) },
            ["/c"] = new JsonObject { ["get"] = Op("get_c", responses: new JsonObject { ["204"] = new JsonObject { ["description"] = "none" } }) },
            ["/b"] = new JsonObject { ["get"] = Op("get_b", responses: new JsonObject { ["2<a"] = new JsonObject { ["description"] = "ok" }, ["x-extra"] = new JsonObject() }) },
        };
        var run = CoreRun.From(Spec(paths), Ns);

        var unsupported = run.Diagnostics.Where(d => d.Id == DiagnosticIds.Unsupported).ToList();
        Assert.Equal(2, unsupported.Count);
        Assert.Contains(unsupported, d => d.Message.Contains("\"2\\u2028}\"", StringComparison.Ordinal));
        // The pointer the message names is one line too (the key's U+2028 written as its escape); the pointer itself is kept as is.
        Assert.All(run.Diagnostics, d => Assert.DoesNotContain('\u2028', d.Message));
        Assert.Contains(unsupported, d => d.Message.EndsWith("(#/paths/~1a/get/responses/2\\u2028})", StringComparison.Ordinal) && d.Pointer == "/paths/~1a/get/responses/2\u2028}");
        Assert.Contains(run.Diagnostics, d => d.Id == DiagnosticIds.NoSuccessResponse && d.Message.Contains("/b", StringComparison.Ordinal));
        var clients = string.Concat(run.ClientFiles().Select(f => f.Text));
        Assert.Contains("answers 204 without content", clients, StringComparison.Ordinal);
        Assert.DoesNotContain("\u2028", clients, StringComparison.Ordinal);
        AssertCompiles(run);
    }

    [Theory]
    [InlineData("2XX", true)]
    [InlineData("2xx", true)]
    [InlineData("201", true)]
    [InlineData("default", false)]
    [InlineData("2<a", false)]
    [InlineData("20", false)]
    [InlineData("2000", false)]
    [InlineData("600", false)]
    public void ResponseKey_OnlyStatusCodesAndRanges_AreSuccesses(string key, bool success)
    {
        var paths = new JsonObject { ["/a"] = new JsonObject { ["get"] = Op("get_a", responses: new JsonObject { [key] = new JsonObject { ["description"] = "ok" } }) } };
        var run = CoreRun.From(Spec(paths), Ns);

        Assert.Equal(!success, run.Diagnostics.Any(d => d.Id == DiagnosticIds.NoSuccessResponse));
        Assert.Equal(!success && key != "default", run.Diagnostics.Any(d => d.Id == DiagnosticIds.Unsupported));
    }

    // ---- 5. Reserved identifiers -----------------------------------------------------------------------------

    [Fact]
    public void UndocumentedKeywords_AsParameterNames_Compile()
    {
        var parameters = new JsonArray();
        foreach (var name in new[] { "__arglist", "__makeref", "__reftype", "__refvalue" })
        {
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        AssertCompiles(CoreRun.From(Spec(new JsonObject { ["/a"] = new JsonObject { ["get"] = Op("get_a", parameters: parameters) } }), Ns));
    }

    // ---- 6. Names the generated code already uses ------------------------------------------------------------

    [Theory]
    [InlineData("Auth0ApiJsonContext")]
    [InlineData("Converters")]
    [InlineData("GetType")]
    [InlineData("ToString")]
    [InlineData("Equals")]
    public void ComponentNamedLikeAGeneratedOrInheritedMember_Compiles(string component)
    {
        var schemas = new JsonObject { [component] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["x"] = new JsonObject { ["type"] = "string" } } } };
        var responses = new JsonObject { ["200"] = new JsonObject { ["description"] = "ok", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(component) } } } };
        var paths = new JsonObject { ["/a"] = new JsonObject { ["post"] = Op("make_a", body: Body(Ref(component)), responses: responses) } };

        AssertCompiles(CoreRun.From(Spec(paths, schemas), Ns));
    }

    [Fact]
    public void PropertiesNamedLikeObjectMembers_Compile()
    {
        var props = new JsonObject();
        foreach (var n in new[] { "GetType", "ToString", "Equals", "GetHashCode", "MemberwiseClone", "ReferenceEquals", "Finalize", "get_type" })
        {
            props[n] = new JsonObject { ["type"] = new JsonArray("string", "null") };
        }

        var schemas = new JsonObject { ["Thing"] = new JsonObject { ["type"] = "object", ["properties"] = props } };
        var run = CoreRun.From(Spec(new JsonObject { ["/a"] = new JsonObject { ["post"] = Op("make_a", body: Body(Ref("Thing"))) } }, schemas), Ns);

        var thing = Assert.Single(run.RequiredModel.Dtos, d => d.Name == "Thing");
        Assert.Equal(8, thing.Properties.Select(p => p.CsName).Distinct().Count());
        AssertCompiles(run);
    }

    [Fact]
    public void HandleNamedLikeTheHandlesClass_Compiles()
    {
        // Namespace Probe.Gen: the handles class is GenTools; group "gen" + operation "tools" would name a handle GenTools.
        var op = Op("x");
        op["x-operation-group"] = "gen";
        op["x-operation-name"] = "tools";
        var run = CoreRun.From(Spec(new JsonObject { ["/a"] = new JsonObject { ["get"] = op } }), Ns);

        Assert.NotEqual("GenTools", Assert.Single(run.RequiredModel.Tools).HandleName);
        AssertCompiles(run);
    }

    // ---- 7. Characters XML forbids ---------------------------------------------------------------------------

    [Fact]
    public void ControlCharactersInDocText_Compile()
    {
        var schema = new JsonObject { ["type"] = "object", ["description"] = "d\u0001e\uFFFE", ["properties"] = new JsonObject { ["p"] = new JsonObject { ["type"] = "string", ["description"] = "n\u0000ul\u001f" } } };
        var paths = new JsonObject { ["/a"] = new JsonObject { ["post"] = Op("make_a", summary: "s\u0000t", description: "a\u0000b\u0007c\uFFFF", body: Body(schema)) } };
        var run = CoreRun.From(Spec(paths, title: "T\u0000itle"), Ns);

        var docLines = run.ClientFiles().Concat(run.ToolFiles()).SelectMany(f => f.Text.Split('\n')).Where(l => l.TrimStart().StartsWith("///", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(docLines, l => l.TrimEnd('\r').Any(c => (c < ' ' && c != '\t') || c == '\uFFFE' || c == '\uFFFF'));
        AssertCompiles(run);
    }

    // ---- 8. Silent drops -------------------------------------------------------------------------------------

    [Fact]
    public void PathItemRefsAndEmptyBodies_AreReportedAndSiblingsKept()
    {
        var paths = new JsonObject
        {
            ["/drop1"] = new JsonObject { ["$ref"] = 5, ["get"] = Op("get_drop1") },
            ["/body"] = new JsonObject { ["post"] = Op("post_body", body: new JsonObject { ["required"] = true, ["content"] = new JsonObject() }) },
            ["/param"] = new JsonObject { ["get"] = Op("get_param", parameters: new JsonArray(new JsonObject { ["$ref"] = true })) },
            ["/keep"] = new JsonObject { ["get"] = Op("get_keep"), ["delete"] = Op("delete_keep") },
            ["/sib"] = new JsonObject { ["$ref"] = "#/paths/~1keep", ["post"] = Op("post_sib"), ["delete"] = Op("delete_sib") },
        };
        var run = CoreRun.From(Spec(paths), Ns);
        var operations = run.RequiredModel.Tools.Select(t => t.Method + " " + t.Path + " " + t.OperationId).ToList();
        var unsupported = run.Diagnostics.Where(d => d.Id == DiagnosticIds.Unsupported).Select(d => d.Message).ToList();

        Assert.Contains("GET /drop1 get_drop1", operations);
        Assert.Contains("POST /sib post_sib", operations);
        Assert.Contains("GET /sib get_keep", operations);
        Assert.Contains("DELETE /sib delete_sib", operations);
        Assert.DoesNotContain("DELETE /sib delete_keep", operations);
        Assert.Contains(unsupported, m => m.Contains("/paths/~1drop1", StringComparison.Ordinal) && m.Contains("not a string", StringComparison.Ordinal));
        Assert.Contains(unsupported, m => m.Contains("/paths/~1param/get/parameters/0", StringComparison.Ordinal) && m.Contains("not a string", StringComparison.Ordinal));
        Assert.Contains(unsupported, m => m.Contains("POST /body", StringComparison.Ordinal) && m.Contains("no media type", StringComparison.Ordinal));
        Assert.Contains(unsupported, m => m.Contains("'delete' both beside its $ref", StringComparison.Ordinal));
    }

    [Fact]
    public void SchemaRefThatIsNotAString_IsReportedOncePerKind_AndTheSchemasOtherKeywordsApply()
    {
        var body = new JsonObject
        {
            ["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject
                {
                    ["schema"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["name"] = new JsonObject { ["$ref"] = 5, ["type"] = "string", ["maxLength"] = 7 },
                            ["other"] = new JsonObject { ["$ref"] = 6, ["type"] = "integer" },
                            ["flag"] = new JsonObject { ["$ref"] = true, ["type"] = "boolean" },
                        },
                    },
                },
            },
        };
        var run = CoreRun.From(Spec(new JsonObject { ["/things"] = new JsonObject { ["post"] = Op("create_thing", body: body) } }), Ns);

        var reports = run.Diagnostics.Where(d => d.Id == DiagnosticIds.Unsupported && d.Message.Contains("schema's $ref is not a string", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reports.Count); // a Number (two of them) and a True: once per kind
        Assert.Contains(reports, d => d.Message.Contains("(Number)", StringComparison.Ordinal));
        Assert.Contains(reports, d => d.Message.Contains("(True)", StringComparison.Ordinal));
        Assert.All(reports, d => Assert.Equal(Severity.Warning, d.Severity));
        var tool = Assert.Single(run.RequiredModel.Tools);
        using var schema = JsonDocument.Parse(tool.InputSchema);
        var name = schema.RootElement.GetProperty("properties").GetProperty("body").GetProperty("properties").GetProperty("name");
        Assert.Equal("string", name.GetProperty("type").GetString());
        Assert.Equal(7, name.GetProperty("maxLength").GetInt32());
        AssertCompiles(run);
    }

    // ---- 9. Requested groups that match nothing --------------------------------------------------------------

    [Fact]
    public void RequestedGroupThatMatchesNothing_IsReportedWithTheGroupsThatExist()
    {
        var things = Op("list_things");
        things["x-operation-group"] = "things";
        var users = Op("list_users");
        users["x-operation-group"] = new JsonArray("users", "roles");
        var text = Spec(new JsonObject { ["/things"] = new JsonObject { ["get"] = things }, ["/users"] = new JsonObject { ["get"] = users } });

        var run = CoreRun.From(text, Ns, "nosuch;Things;users.roles");

        var reported = Assert.Single(run.Diagnostics, d => d.Id == DiagnosticIds.GroupNotFound);
        Assert.Equal(Severity.Warning, reported.Severity);
        Assert.Contains("'nosuch'", reported.Message, StringComparison.Ordinal);
        Assert.Contains("things, users", reported.Message, StringComparison.Ordinal);
        Assert.Equal(2, run.RequiredModel.Tools.Count);
    }

    // ---- 10. Dangling refs in YAML ---------------------------------------------------------------------------

    [Theory]
    [InlineData("'#/components/schemas/Nope'", 4)]
    [InlineData("\"#/components/schemas/Nope\"", 4)]
    [InlineData("'#/components/schemas/NopeToo'\n      other:\n        $ref: '#/components/schemas/Nope'", 6)]
    public void DanglingRefInYaml_IsPlacedAtItsLine(string reference, int line)
    {
        var yaml = "components:\n  schemas:\n    Thing:\n      $ref: " + reference + "\n";
        var info = new DiagnosticInfo(DiagnosticIds.DanglingRef, Severity.Error, "dangling", "#/components/schemas/Nope\"");

        var located = SpecLocator.Locate(info, yaml);

        Assert.Equal(line, located.Line);
        Assert.True(located.Column > 1);
    }
}

/// <summary>The pinned spec's input schemas, as the tools parse them (System.Text.Json's default MaxDepth, 64).</summary>
public sealed partial class FullSpecTests
{
    [Fact]
    public void FullSpec_EveryInputSchema_ParsesWithDefaultOptionsWithinTheDepthLimit()
    {
        Assert.All(spec.Model.Tools, t =>
        {
            using var parsed = JsonDocument.Parse(t.InputSchema);
            Assert.True(HostileSpecTests.Depth(parsed.RootElement) <= SchemaRenderer.MaxJsonDepth, t.Name);
        });
        Assert.DoesNotContain(spec.Run.Diagnostics, d => d.Id is DiagnosticIds.InputSchemaTooDeep or DiagnosticIds.GroupNotFound);
    }
}
