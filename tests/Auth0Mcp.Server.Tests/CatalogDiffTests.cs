using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary><c>auth0-mcp catalog diff</c>: the two real specs, breaking-change and risk classification on small specs, and errors.</summary>
public sealed class CatalogDiffTests : IDisposable
{
    private static readonly string OldSpec = Repo.OlderSpec;
    private static readonly string NewSpec = Repo.Spec;
    private readonly string _dir = Directory.CreateTempSubdirectory("auth0mcp-diff-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task CatalogDiffJson_RealSpecs_FindsThe25AddedOperationsAndNoneRemoved()
    {
        var (code, output, error) = await RunAsync("catalog", "diff", OldSpec, NewSpec, "--json");

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var added = root.GetProperty("added").EnumerateArray().ToList();
        Assert.Equal(25, added.Count);
        Assert.Empty(root.GetProperty("removed").EnumerateArray());
        Assert.Equal(427, root.GetProperty("old").GetProperty("tools").GetInt32());
        Assert.Equal(452, root.GetProperty("new").GetProperty("tools").GetInt32());
        Assert.Equal(25, root.GetProperty("summary").GetProperty("added").GetInt32());

        // Independent oracle: the (method, path) pairs that only the new spec has.
        var expected = Operations(NewSpec).Except(Operations(OldSpec)).Order().ToList();
        Assert.Equal(25, expected.Count);
        Assert.Equal(expected, added.Select(t => $"{t.GetProperty("method").GetString()} {t.GetProperty("path").GetString()}").Order().ToList());
        Assert.All(added, t => Assert.StartsWith("auth0_", t.GetProperty("name").GetString()));
        Assert.All(added, t => Assert.Contains(t.GetProperty("risk").GetString(), new[] { "none", "sensitive", "dangerous" }));
        Assert.Equal("dangerous", added.Single(t => t.GetProperty("name").GetString() == "auth0_attack_protection_phone_provider_protection_patch").GetProperty("risk").GetString());

        // No tool is renamed and none moves its risk class between these two specs.
        Assert.Empty(root.GetProperty("renamed").EnumerateArray());
        Assert.Equal(0, root.GetProperty("summary").GetProperty("riskIncreased").GetInt32());
        Assert.Equal(0, root.GetProperty("summary").GetProperty("riskDecreased").GetInt32());
        var addedByRisk = root.GetProperty("summary").GetProperty("addedByRisk");
        Assert.Equal(25, addedByRisk.EnumerateObject().Sum(p => p.Value.GetInt32()));

        // Every changed entry names the tool and says what changed and whether it is breaking.
        var changed = root.GetProperty("changed").EnumerateArray().ToList();
        Assert.NotEmpty(changed);
        foreach (var c in changed)
        {
            foreach (var field in new[] { "name", "method", "path", "risk", "riskBefore", "riskAfter", "riskChange", "breaking", "changes" })
            {
                Assert.True(c.TryGetProperty(field, out _), $"{c} lacks {field}");
            }

            var items = c.GetProperty("changes").EnumerateArray().ToList();
            Assert.NotEmpty(items);
            Assert.Equal(items.Any(i => i.GetProperty("breaking").GetBoolean()), c.GetProperty("breaking").GetBoolean());
            Assert.All(items, i => Assert.False(string.IsNullOrEmpty(i.GetProperty("kind").GetString())));
        }

        // What changed between these two specs (read off the specs; the diff must say it the same way).
        var byName = changed.ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(25, byName.Count);
        Assert.Equal(
            ["auth0_branding_update", "auth0_connections_create", "auth0_connections_update"],
            byName.Values.Where(c => c.GetProperty("breaking").GetBoolean()).Select(c => c.GetProperty("name").GetString()).Order());
        AssertChange(byName["auth0_branding_update"], "argument-removed", "body.identifiers", breaking: true);
        AssertChange(byName["auth0_connections_create"], "enum-values-removed", "body.options.attributes.phone_number.identifier.default_method", breaking: true);
        AssertChange(byName["auth0_connections_create"], "argument-added", "body.cross_app_access_requesting_app", breaking: false);
        AssertChange(byName["auth0_tenants_settings_update"], "argument-added", "body.session_lifetime_in_minutes", breaking: false);
        AssertChange(byName["auth0_clients_update"], "argument-type-changed", "body.native_social_login", breaking: false); // object → null|object widens
        AssertChange(byName["auth0_email_templates_get"], "enum-values-added", "templateName", breaking: false);
        AssertChange(byName["auth0_emails_provider_create"], "description-changed", "", breaking: false);

        Assert.Contains("pending review", root.GetProperty("governance").GetString());
    }

    [Fact]
    public async Task CatalogDiffText_RealSpecs_SummarisesAndListsAddedTools()
    {
        var (code, output, _) = await RunAsync("catalog", "diff", OldSpec, NewSpec);

        Assert.Equal(0, code);
        Assert.Contains("427 tools", output);
        Assert.Contains("452 tools", output);
        Assert.Matches(@"25 added, 0 removed, \d+ changed", output);
        Assert.Contains("Added (25)", output);
        Assert.Contains("pending review", output);
    }

    [Fact]
    public async Task CatalogDiff_SameSpec_IsEmpty()
    {
        var (code, output, _) = await RunAsync("catalog", "diff", NewSpec, NewSpec, "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Empty(doc.RootElement.GetProperty("added").EnumerateArray());
        Assert.Empty(doc.RootElement.GetProperty("removed").EnumerateArray());
        Assert.Empty(doc.RootElement.GetProperty("changed").EnumerateArray());
    }

    [Fact]
    public async Task CatalogDiff_SmallSpecs_ClassifiesEachKindOfChange()
    {
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets/{id}", "widgets", "get", ["read:widgets"], SmallSpec.PathParam("id"), SmallSpec.QueryParam("fields", "string")),
            SmallSpec.Op("post", "/widgets", "widgets", "create", ["create:widgets"], body: """{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"color":{"type":"string","enum":["red","blue"]},"size":{"type":"integer"}}}"""),
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"], SmallSpec.QueryParam("page", "integer")),
            SmallSpec.Op("delete", "/widgets/{id}", "widgets", "delete", ["delete:widgets"], SmallSpec.PathParam("id")),
            SmallSpec.Op("patch", "/widgets/{id}", "widgets", "update", ["update:widgets"], SmallSpec.PathParam("id"))));
        var after = Write("new.json", SmallSpec.Build(
            // scope change + a new optional argument
            SmallSpec.Op("get", "/widgets/{id}", "widgets", "get", ["read:widgets", "read:widget_secrets"], SmallSpec.PathParam("id"), SmallSpec.QueryParam("fields", "string"), SmallSpec.QueryParam("include_totals", "boolean")),
            // new required body field, removed field, enum value removed, type change
            SmallSpec.Op("post", "/widgets", "widgets", "create", ["create:widgets"], body: """{"type":"object","required":["name","owner"],"properties":{"name":{"type":"string"},"owner":{"type":"string"},"color":{"type":"string","enum":["red"]},"size":{"type":"string"}}}"""),
            // page removed, now required per_page
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"], SmallSpec.QueryParam("per_page", "integer", required: true)),
            // changed path (same tool name); PATCH /widgets/{id} removed; a new tool added
            SmallSpec.Op("delete", "/widgets/{widget_id}", "widgets", "delete", ["delete:widgets"], SmallSpec.PathParam("widget_id")),
            SmallSpec.Op("get", "/gadgets", "gadgets", "list", ["read:gadgets"])));

        var (code, output, error) = await RunAsync("catalog", "diff", before, after, "--json");

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(["auth0_gadgets_list"], root.GetProperty("added").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(["auth0_widgets_update"], root.GetProperty("removed").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var changed = root.GetProperty("changed").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["auth0_widgets_create", "auth0_widgets_delete", "auth0_widgets_get", "auth0_widgets_list"], changed.Keys.Order());

        AssertChange(changed["auth0_widgets_get"], "scopes-changed", "", breaking: true);
        AssertChange(changed["auth0_widgets_get"], "argument-added", "include_totals", breaking: false);
        AssertChange(changed["auth0_widgets_create"], "argument-added", "body.owner", breaking: true);
        AssertChange(changed["auth0_widgets_create"], "enum-values-removed", "body.color", breaking: true);
        AssertChange(changed["auth0_widgets_create"], "argument-type-changed", "body.size", breaking: true);
        AssertChange(changed["auth0_widgets_list"], "argument-removed", "page", breaking: true);
        AssertChange(changed["auth0_widgets_list"], "argument-added", "per_page", breaking: true);
        AssertChange(changed["auth0_widgets_delete"], "path-changed", "", breaking: true);
        Assert.All(changed.Values, c => Assert.True(c.GetProperty("breaking").GetBoolean()));

        // --fail-on-breaking turns breaking changes into exit code 3 (for CI gates).
        var (failCode, _, _) = await RunAsync("catalog", "diff", before, after, "--fail-on-breaking");
        Assert.Equal(3, failCode);
    }

    [Fact]
    public async Task CatalogDiffText_SpecStringsWithEscapes_EscapedOnTheirLineAndTheBreakingChangeStaysVisible()
    {
        // A spec update whose summary carries terminal sequences: it would return to the start of the line, erase the
        // lines above it (the breaking change) and print a harmless one in their place.
        const string Hide = "Get a widget\r\u001b[2K\u001b[1A\u001b[2K\u001b[1A\u001b[2K  ~ auth0_widgets_get  none GET /widgets/{id}\r\n      · title-changed";
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets/{id}", "widgets", "get", ["read:widgets"], SmallSpec.PathParam("id"))));
        var changed = SmallSpec.Op("get", "/widgets/{id}", "widgets", "get", ["read:widgets"], SmallSpec.PathParam("id"), SmallSpec.QueryParam("confirm", "string", required: true));
        changed["op"]!["summary"] = Hide;
        var after = Write("new.json", SmallSpec.Build(changed));

        var (code, output, error) = await RunAsync("catalog", "diff", before, after);

        Assert.True(code == 0, error);
        Assert.DoesNotContain(output, c => c is not '\n' && TerminalText.IsUnprintable(c));
        Assert.Contains(@"'Get a widget\u000d\u001b[2K\u001b[1A", output, StringComparison.Ordinal);
        var lines = output.Split('\n');
        Assert.Single(lines, l => l.Contains("auth0_widgets_get", StringComparison.Ordinal) && l.Contains("BREAKING", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("! argument-added confirm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CatalogDiffText_PatternWithBackslashes_ShownAsTheSpecWritesIt()
    {
        // A pattern is quoted as JSON text ("^[^@\\s]+$"): escaping the line for the terminal must not double its
        // backslashes again, or the reviewer reads a regex that is not the spec's.
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"], SmallSpec.QueryParam("email", "string"))));
        var email = SmallSpec.QueryParam("email", "string");
        email["schema"]!["pattern"] = @"^[^@\s]+@[^@\s]+$";
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"], email)));

        var (code, output, error) = await RunAsync("catalog", "diff", before, after);

        Assert.True(code == 0, error);
        Assert.Contains(@"""^[^@\\s]+@[^@\\s]+$""", output, StringComparison.Ordinal);
        Assert.DoesNotContain(@"\\\\s", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogDiff_OnlyNonBreakingChanges_AreNotMarkedBreaking()
    {
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"], SmallSpec.QueryParam("page", "integer", required: true))));
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"], SmallSpec.QueryParam("page", "integer"), SmallSpec.QueryParam("q", "string"))));

        var (code, output, _) = await RunAsync("catalog", "diff", before, after, "--json", "--fail-on-breaking");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var change = Assert.Single(doc.RootElement.GetProperty("changed").EnumerateArray());
        Assert.False(change.GetProperty("breaking").GetBoolean());
        AssertChange(change, "argument-now-optional", "page", breaking: false);
        AssertChange(change, "argument-added", "q", breaking: false);
    }

    [Fact]
    public async Task CatalogDiff_OnlyARemovedTool_IsBreakingForTheGate()
    {
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"]),
            SmallSpec.Op("delete", "/widgets/{id}", "widgets", "delete", ["delete:widgets"], SmallSpec.PathParam("id"))));
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"])));

        var (code, output, _) = await RunAsync("catalog", "diff", before, after, "--fail-on-breaking");

        Assert.Equal(3, code);
        Assert.Contains("0 added, 1 removed, 0 changed, 0 renamed; 1 breaking", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogDiff_AddedAndRemovedTools_ShowTheirRiskClass()
    {
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"]),
            SmallSpec.Op("delete", "/widgets/{id}", "widgets", "delete", ["delete:widgets"], SmallSpec.PathParam("id"))));
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"]),
            SmallSpec.Op("post", "/widgets/{id}/rotate-secret", "widgets", "rotate_secret", ["update:widget_secrets"], SmallSpec.PathParam("id")),
            SmallSpec.Op("get", "/widgets/{id}/logs", "widgets", "logs", ["read:logs"], SmallSpec.PathParam("id")),
            SmallSpec.Op("get", "/gadgets", "gadgets", "list", ["read:gadgets"])));

        var (code, output, error) = await RunAsync("catalog", "diff", before, after, "--json");

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(
            [("auth0_gadgets_list", "none"), ("auth0_widgets_logs", "sensitive"), ("auth0_widgets_rotate_secret", "dangerous")],
            root.GetProperty("added").EnumerateArray().Select(t => (t.GetProperty("name").GetString(), t.GetProperty("risk").GetString())));
        var removed = Assert.Single(root.GetProperty("removed").EnumerateArray());
        Assert.Equal("auth0_widgets_delete", removed.GetProperty("name").GetString());
        Assert.Equal("dangerous", removed.GetProperty("risk").GetString()); // DELETE of a whole entity
        Assert.Equal("Delete", removed.GetProperty("action").GetString());
        var summary = root.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("addedByRisk").GetProperty("dangerous").GetInt32());
        Assert.Equal(1, summary.GetProperty("addedByRisk").GetProperty("sensitive").GetInt32());
        Assert.Equal(1, summary.GetProperty("addedByRisk").GetProperty("none").GetInt32());
        Assert.Equal(1, summary.GetProperty("removedByRisk").GetProperty("dangerous").GetInt32());

        var (textCode, text, _) = await RunAsync("catalog", "diff", before, after);

        Assert.Equal(0, textCode);
        Assert.Matches(@"\+ auth0_widgets_rotate_secret +dangerous +POST +/widgets/\{id\}/rotate-secret", text);
        Assert.Matches(@"\+ auth0_widgets_logs +sensitive +GET ", text);
        Assert.Matches(@"\+ auth0_gadgets_list +none +GET ", text);
        Assert.Matches(@"- auth0_widgets_delete +dangerous +DELETE +/widgets/\{id\}  BREAKING", text);
        Assert.Contains("added tools: 1 none, 1 sensitive, 1 dangerous; removed tools: 0 none, 0 sensitive, 1 dangerous", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogDiff_OperationIdRaisingTheRisk_IsShownAndFailsTheRiskGateOnly()
    {
        // Only the operation id changes: the tool keeps its name and content hash, but the runtime's classifier reads
        // the operation id, so the tool becomes dangerous (and returns to review). Nothing breaks for a caller.
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("patch", "/widgets/{id}", "widgets", "update", ["update:widgets"], SmallSpec.PathParam("id"))));
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.WithOperationId(SmallSpec.Op("patch", "/widgets/{id}", "widgets", "update", ["update:widgets"], SmallSpec.PathParam("id")), "patch_widget_signing_keys")));

        var (code, output, error) = await RunAsync("catalog", "diff", before, after, "--json", "--fail-on-breaking");

        Assert.True(code == 0, error); // not breaking
        using var doc = JsonDocument.Parse(output);
        var change = Assert.Single(doc.RootElement.GetProperty("changed").EnumerateArray());
        Assert.Equal("none", change.GetProperty("riskBefore").GetString());
        Assert.Equal("dangerous", change.GetProperty("riskAfter").GetString());
        Assert.Equal("dangerous", change.GetProperty("risk").GetString());
        Assert.Equal("increased", change.GetProperty("riskChange").GetString());
        Assert.False(change.GetProperty("breaking").GetBoolean());
        AssertChange(change, "operation-id-changed", "", breaking: false);
        Assert.Equal(1, doc.RootElement.GetProperty("summary").GetProperty("riskIncreased").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("summary").GetProperty("riskDecreased").GetInt32());

        var (gateCode, text, _) = await RunAsync("catalog", "diff", before, after, "--fail-on-risk-increase");

        Assert.Equal(4, gateCode);
        Assert.Contains("risk: 1 up, 0 down", text, StringComparison.Ordinal);
        Assert.Contains("Risk class changes (1: 1 up, 0 down)", text, StringComparison.Ordinal);
        Assert.Matches(@"▲ auth0_widgets_update +none → dangerous +PATCH +/widgets/\{id\}  RISK UP", text);
        Assert.Matches(@"~ auth0_widgets_update +none → dangerous PATCH +/widgets/\{id\}  RISK UP\n", text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task CatalogDiff_ScopeRaisingTheRisk_FailsBothGates_BreakingFirst()
    {
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets/{id}", "widgets", "get", ["read:widgets"], SmallSpec.PathParam("id"))));
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.Op("get", "/widgets/{id}", "widgets", "get", ["read:widgets", "read:widget_credentials"], SmallSpec.PathParam("id"))));

        var (riskCode, output, _) = await RunAsync("catalog", "diff", before, after, "--json", "--fail-on-risk-increase");

        Assert.Equal(4, riskCode);
        using var doc = JsonDocument.Parse(output);
        var change = Assert.Single(doc.RootElement.GetProperty("changed").EnumerateArray());
        Assert.Equal(("none", "sensitive"), (change.GetProperty("riskBefore").GetString(), change.GetProperty("riskAfter").GetString()));
        AssertChange(change, "scopes-changed", "", breaking: true);

        var (bothCode, _, _) = await RunAsync("catalog", "diff", before, after, "--fail-on-breaking", "--fail-on-risk-increase");
        Assert.Equal(3, bothCode);
    }

    [Fact]
    public async Task CatalogDiff_PathLoweringTheRisk_IsShownButPassesTheRiskGate()
    {
        // DELETE of a whole entity (/widgets/{id}) is dangerous; of a sub-resource, sensitive.
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("delete", "/widgets/{id}", "widgets", "delete", ["delete:widgets"], SmallSpec.PathParam("id"))));
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.Op("delete", "/widgets/{id}/draft", "widgets", "delete", ["delete:widgets"], SmallSpec.PathParam("id"))));

        var (code, output, _) = await RunAsync("catalog", "diff", before, after, "--json", "--fail-on-risk-increase");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var change = Assert.Single(doc.RootElement.GetProperty("changed").EnumerateArray());
        Assert.Equal(("dangerous", "sensitive", "decreased"), (change.GetProperty("riskBefore").GetString(), change.GetProperty("riskAfter").GetString(), change.GetProperty("riskChange").GetString()));
        AssertChange(change, "path-changed", "", breaking: true);
        Assert.Equal(0, doc.RootElement.GetProperty("summary").GetProperty("riskIncreased").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("summary").GetProperty("riskDecreased").GetInt32());

        var (textCode, text, _) = await RunAsync("catalog", "diff", before, after, "--fail-on-risk-increase");

        Assert.Equal(0, textCode);
        Assert.Contains("risk: 0 up, 1 down", text, StringComparison.Ordinal);
        Assert.Matches(@"▼ auth0_widgets_delete +dangerous → sensitive +DELETE +/widgets/\{id\}/draft  risk down", text);
        Assert.DoesNotContain("RISK UP", text.Replace("'RISK UP'", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogDiff_RenamedOperation_IsPairedWithItsRiskBeforeAndAfter()
    {
        // The same operation (PATCH /widgets/{id}, its parameter renamed) under a new name: one renamed tool, not a
        // removal and an addition. An unrelated removal and addition stay what they are.
        var before = Write("old.json", SmallSpec.Build(
            SmallSpec.Op("patch", "/widgets/{id}", "widgets", "update", ["update:widgets"], SmallSpec.PathParam("id")),
            SmallSpec.Op("get", "/widgets", "widgets", "list", ["read:widgets"])));
        var after = Write("new.json", SmallSpec.Build(
            SmallSpec.Op("patch", "/widgets/{widget_id}", "widgets", "modify", ["update:widgets", "update:widget_keys"], SmallSpec.PathParam("widget_id")),
            SmallSpec.Op("get", "/gadgets", "gadgets", "list", ["read:gadgets"])));

        var (code, output, error) = await RunAsync("catalog", "diff", before, after, "--json", "--fail-on-risk-increase");

        Assert.True(code == 4, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(["auth0_gadgets_list"], root.GetProperty("added").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(["auth0_widgets_list"], root.GetProperty("removed").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var renamed = Assert.Single(root.GetProperty("renamed").EnumerateArray());
        Assert.Equal("auth0_widgets_modify", renamed.GetProperty("name").GetString());
        Assert.Equal("auth0_widgets_update", renamed.GetProperty("renamedFrom").GetString());
        Assert.Equal(("none", "dangerous", "increased"), (renamed.GetProperty("riskBefore").GetString(), renamed.GetProperty("riskAfter").GetString(), renamed.GetProperty("riskChange").GetString()));
        Assert.True(renamed.GetProperty("breaking").GetBoolean());
        AssertChange(renamed, "name-changed", "", breaking: true);
        AssertChange(renamed, "operation-id-changed", "", breaking: false);
        AssertChange(renamed, "path-changed", "", breaking: true);
        AssertChange(renamed, "scopes-changed", "", breaking: true);
        Assert.Empty(root.GetProperty("changed").EnumerateArray());
        var summary = root.GetProperty("summary");
        Assert.Equal((1, 1, 1, 2), (summary.GetProperty("added").GetInt32(), summary.GetProperty("removed").GetInt32(), summary.GetProperty("renamed").GetInt32(), summary.GetProperty("breaking").GetInt32()));
        Assert.Equal(1, summary.GetProperty("riskIncreased").GetInt32());

        var (gateCode, text, _) = await RunAsync("catalog", "diff", before, after, "--fail-on-breaking");

        Assert.Equal(3, gateCode);
        Assert.Contains("1 added, 1 removed, 0 changed, 1 renamed; 2 breaking", text, StringComparison.Ordinal);
        Assert.Contains("Renamed (1)", text, StringComparison.Ordinal);
        Assert.Matches(@"> auth0_widgets_modify +none → dangerous PATCH +/widgets/\{widget_id\}  RISK UP  BREAKING", text);
        Assert.Contains("name-changed: auth0_widgets_update → auth0_widgets_modify", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogDiff_RiskOfEveryTool_IsTheRiskGovernanceDerivesForTheGeneratedDescriptor()
    {
        // From an empty spec to the pinned one every tool is added: its risk must be what RiskClassifier gives the
        // descriptor generated from the same spec (same path, name, operation id, scopes and action).
        var empty = Write("empty.json", SmallSpec.Build());

        var (code, output, error) = await RunAsync("catalog", "diff", empty, NewSpec, "--json");

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var risks = doc.RootElement.GetProperty("added").EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("risk").GetString());
        var catalog = AdminCommands.Catalog;
        Assert.Equal(catalog.Count, risks.Count);
        Assert.All(catalog, d => Assert.Equal(RiskClassifier.Classify(d).ToString().ToLowerInvariant(), risks[d.Name]));
        Assert.Contains(catalog, d => RiskClassifier.Classify(d) == ToolRisk.Dangerous);
        Assert.Contains(catalog, d => RiskClassifier.Classify(d) == ToolRisk.Sensitive);
        Assert.Contains(catalog, d => RiskClassifier.Classify(d) == ToolRisk.None);
    }

    [Theory]
    [InlineData("actionz")]
    [InlineData("actions;actionz")] // before, this compared actions alone and passed the gate, actionz never compared
    public async Task CatalogDiff_AGroupMatchingNothing_ExitsTwoNamingItInsteadOfPassingTheGate(string groups)
    {
        var (code, output, error) = await RunAsync("catalog", "diff", OldSpec, NewSpec, "--groups", groups, "--fail-on-breaking");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("--groups 'actionz' matches no operation in either spec", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogDiff_MissingFile_ExitsOneAndNamesIt()
    {
        var missing = Path.Combine(_dir, "nope.json");

        var (code, output, error) = await RunAsync("catalog", "diff", missing, NewSpec);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"the spec '{missing}' does not exist", error);
    }

    [Fact]
    public async Task CatalogDiff_BadJson_ExitsOneWithTheLine()
    {
        var bad = Write("bad.json", "{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {\n    \"/x\": {,\n  }\n}\n");

        var (code, _, error) = await RunAsync("catalog", "diff", NewSpec, bad);

        Assert.Equal(1, code);
        Assert.Contains("bad.json(4,", error);
        Assert.Contains("error A0MG001", error);
    }

    [Fact]
    public async Task CatalogDiff_NotOpenApi_ExitsOneAndSaysSo()
    {
        var other = Write("package.json", """{"name":"left-pad","version":"1.3.0"}""");

        var (code, _, error) = await RunAsync("catalog", "diff", other, NewSpec);

        Assert.Equal(1, code);
        Assert.Contains("error A0MG007", error);
        Assert.Contains("not an OpenAPI 3 document", error);
    }

    [Theory]
    [InlineData("catalog")]
    [InlineData("catalog", "diff", "one.json")]
    [InlineData("catalog", "diff", "a.json", "b.json", "--yaml")]
    [InlineData("catalog", "merge", "a.json", "b.json")]
    public async Task CatalogDiff_BadUsage_ExitsTwo(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("auth0-mcp: catalog", error);
    }

    [Fact]
    public void ServerOutput_ReferencesTheGeneratorCore_WithoutRoslyn()
    {
        // The server reads specs with Auth0Mcp.Generators.dll; the compiler's assemblies must not ride along.
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "Auth0Mcp.Generators.dll")));
        Assert.Empty(Directory.GetFiles(AppContext.BaseDirectory, "Microsoft.CodeAnalysis*.dll"));
        var deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "auth0-mcp.deps.json"));
        Assert.DoesNotContain("Microsoft.CodeAnalysis", deps, StringComparison.Ordinal);
    }

    private static void AssertChange(JsonElement tool, string kind, string subject, bool breaking)
    {
        var items = tool.GetProperty("changes").EnumerateArray().ToList();
        var item = items.SingleOrDefault(i => i.GetProperty("kind").GetString() == kind && i.GetProperty("subject").GetString() == subject);
        Assert.True(item.ValueKind == JsonValueKind.Object, $"{tool.GetProperty("name")} has no {kind} {subject}: {tool}");
        Assert.Equal(breaking, item.GetProperty("breaking").GetBoolean());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static HashSet<string> Operations(string spec)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(spec));
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                if (op.Name is "get" or "put" or "post" or "delete" or "patch")
                {
                    set.Add($"{op.Name.ToUpperInvariant()} {path.Name}");
                }
            }
        }

        return set;
    }
}

/// <summary>Builds small OpenAPI 3.1 specs in Auth0's style (x-operation-group/x-operation-name, bearer scopes).</summary>
internal static class SmallSpec
{
    public static string Build(params JsonObject[] operations)
    {
        var paths = new JsonObject();
        foreach (var o in operations)
        {
            var path = (string)o["path"]!;
            if (paths[path] is not JsonObject item)
            {
                item = new JsonObject();
                paths[path] = item;
            }

            item[(string)o["method"]!] = o["op"]!.DeepClone();
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject { ["title"] = "Small", ["version"] = "1" },
            ["paths"] = paths,
        }.ToJsonString();
    }

    public static JsonObject Op(string method, string path, string group, string name, string[] scopes, params JsonObject[] parameters) =>
        Op(method, path, group, name, scopes, null, parameters);

    public static JsonObject Op(string method, string path, string group, string name, string[] scopes, string? body, params JsonObject[] parameters)
    {
        var op = new JsonObject
        {
            ["operationId"] = $"{method}_{group}_{name}",
            ["summary"] = $"{name} {group}",
            ["x-operation-group"] = group,
            ["x-operation-name"] = name,
            ["parameters"] = new JsonArray(parameters.Select(p => (JsonNode)p).ToArray()),
            ["responses"] = JsonNode.Parse("""{"200":{"description":"OK","content":{"application/json":{"schema":{"type":"object"}}}}}"""),
            ["security"] = new JsonArray(new JsonObject { ["bearerAuth"] = new JsonArray(scopes.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()) }),
        };
        if (body is not null)
        {
            op["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = JsonNode.Parse(body) } },
            };
        }

        return new JsonObject { ["method"] = method, ["path"] = path, ["op"] = op };
    }

    /// <summary>The operation <paramref name="operation"/> (from <see cref="Op(string, string, string, string, string[], JsonObject[])"/>) with another operationId; the tool name comes from the group and x-operation-name.</summary>
    public static JsonObject WithOperationId(JsonObject operation, string operationId)
    {
        operation["op"]!["operationId"] = operationId;
        return operation;
    }

    public static JsonObject PathParam(string name) =>
        new() { ["name"] = name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } };

    public static JsonObject QueryParam(string name, string type, bool required = false) =>
        new() { ["name"] = name, ["in"] = "query", ["required"] = required, ["schema"] = new JsonObject { ["type"] = type } };
}
