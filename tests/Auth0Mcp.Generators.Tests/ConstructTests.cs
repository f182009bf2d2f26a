using System.Globalization;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The OpenAPI constructs of issue 10, each on a small spec we wrote (Fixtures/Constructs.json and inline ones):
/// what the model says goes on the wire (location, media type, encoding, status), and what is reported.
/// </summary>
public sealed class ConstructTests
{
    private static readonly CoreRun Constructs = CoreRun.From(SmallSpecs.Text(SmallSpecs.Constructs), SmallSpecs.Namespace(SmallSpecs.Constructs));

    private static ToolModel Tool(string name) => Assert.Single(Constructs.RequiredModel.Tools, t => t.Name == name);

    /// <summary>The typed client method bound for <paramref name="tool"/> (same operation: method and path).</summary>
    private static ClientMethodModel CallOf(ToolModel tool) => Assert.Single(
        Constructs.RequiredModel.Clients.SelectMany(c => c.Methods),
        m => string.Equals(m.HttpMethod, tool.Method, StringComparison.OrdinalIgnoreCase) && m.Path == tool.Path);

    [Fact]
    public void Reader_RefParameterAtPathLevel_MergedIntoEveryOperation()
    {
        var get = CallOf(Tool("auth0_get_widget"));
        var id = Assert.Single(get.Parameters, p => p.WireName == "widget_id");

        Assert.Equal(ParamKind.Path, id.Kind);
        Assert.True(id.Required);
        Assert.Contains(CallOf(Tool("auth0_replace_widget")).Parameters, p => p.WireName == "widget_id" && p.Kind == ParamKind.Path);
    }

    [Fact]
    public void Reader_RefChain_ResolvedToTheParameter()
    {
        // WidgetIdAlias → WidgetId: two hops.
        Assert.Contains(CallOf(Tool("auth0_upload_manual")).Parameters, p => p.WireName == "widget_id" && p.Kind == ParamKind.Path);
    }

    [Fact]
    public void Reader_OperationParameter_OverridesPathLevelByNameAndLocation()
    {
        var verbose = Assert.Single(CallOf(Tool("auth0_get_widget")).Parameters, p => p.WireName == "verbose");

        Assert.Equal("long", verbose.CsType);
        Assert.Contains("Operation-level: wins.", Tool("auth0_get_widget").InputSchema, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_RefRequestBodyAndResponse_Resolved()
    {
        var replace = CallOf(Tool("auth0_replace_widget"));
        var body = Assert.Single(replace.Parameters, p => p.Kind == ParamKind.Body);

        // Widget is sent and returned and has a readOnly and a writeOnly property: the body is its request shape.
        Assert.EndsWith(".WidgetWritable", body.CsType, StringComparison.Ordinal);
        Assert.True(body.Required);
        Assert.Equal(BodyEncoding.Json, replace.BodyEncoding);
        Assert.EndsWith(".Widget", CallOf(Tool("auth0_get_widget")).ResponseType, StringComparison.Ordinal);
    }

    [Fact]
    public void MediaTypes_FormBeforeXml_SentUrlEncoded()
    {
        var create = CallOf(Tool("auth0_create_widget"));
        var client = Constructs.ClientFiles().Single(f => f.FileName == "Clients/IWidgetsApi.g.cs").Text;

        Assert.Equal(BodyEncoding.Form, create.BodyEncoding);
        Assert.Equal("application/x-www-form-urlencoded", create.BodyMediaType);
        Assert.Contains("[global::Refit.Body(global::Refit.BodySerializationMethod.UrlEncoded)]", client, StringComparison.Ordinal);
        Assert.Contains(Constructs.Diagnostics, d => d.Id == DiagnosticIds.MediaTypeChosen && d.Message.Contains("application/xml", StringComparison.Ordinal));
    }

    [Fact]
    public void MediaTypes_VendorJsonResponse_IsTyped()
    {
        var create = CallOf(Tool("auth0_create_widget"));

        Assert.Equal("201", create.SuccessStatus);
        Assert.Equal(BodyEncoding.Json, create.ResponseEncoding);
        Assert.EndsWith(".Widget", create.ResponseType, StringComparison.Ordinal);
    }

    [Fact]
    public void MediaTypes_BinaryBody_StreamOnTheClientBase64InTheTool()
    {
        var upload = Tool("auth0_upload_manual");
        var body = Assert.Single(CallOf(upload).Parameters, p => p.Kind == ParamKind.Body);
        using var schema = JsonDocument.Parse(upload.InputSchema);

        Assert.Equal(BodyEncoding.Binary, CallOf(upload).BodyEncoding);
        Assert.Equal("global::System.IO.Stream", body.CsType);
        Assert.Equal("base64", schema.RootElement.GetProperty("properties").GetProperty("body").GetProperty("contentEncoding").GetString());
        Assert.Contains("[global::Refit.Headers(\"Content-Type: application/pdf\")]", Constructs.ClientFiles().Single(f => f.FileName == "Clients/IManualsApi.g.cs").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void MediaTypes_TextBodyAndXmlResponse_Strings()
    {
        var note = CallOf(Assert.Single(Constructs.RequiredModel.Tools, t => t.Path == "/v2/notes" && t.Method == "POST"));

        Assert.Equal(BodyEncoding.Text, note.BodyEncoding);
        Assert.Equal("string", Assert.Single(note.Parameters, p => p.Kind == ParamKind.Body).CsType);
        Assert.Equal(BodyEncoding.Text, note.ResponseEncoding);
        Assert.Null(note.ResponseType);
    }

    [Fact]
    public void Responses_NoContentAndRedirect_Marked()
    {
        var delete = CallOf(Tool("auth0_delete_widget"));
        var download = CallOf(Tool("auth0_download_manual"));

        Assert.Equal("204", delete.SuccessStatus);
        Assert.Null(delete.ResponseMediaType);
        Assert.True(download.Redirect);
        Assert.Equal("302", download.SuccessStatus);
        Assert.False(delete.Redirect);
    }

    [Fact]
    public void Servers_VariablesAtDefaults_BecomeTheBaseUrl()
    {
        var holder = Constructs.ClientFiles().Single(f => f.FileName.EndsWith("Auth0ApiRefit.g.cs", StringComparison.Ordinal)).Text;

        Assert.Equal("https://eu.widgets.example/v4", Constructs.RequiredModel.Info.BaseUrl);
        Assert.Contains("DefaultBaseUrl = \"https://eu.widgets.example/v4\"", holder, StringComparison.Ordinal);
        Assert.Contains("Widget Store API", holder, StringComparison.Ordinal);
        Assert.Contains("Typed Refit client for the Widget Store API operations", Constructs.ClientFiles().Single(f => f.FileName == "Clients/IWidgetsApi.g.cs").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Schemas_ReadOnlyProperty_NotInTheInputSchemaNorRequired()
    {
        using var schema = JsonDocument.Parse(Tool("auth0_replace_widget").InputSchema);
        var body = schema.RootElement.GetProperty("properties").GetProperty("body");

        Assert.False(body.GetProperty("properties").TryGetProperty("id", out _));
        Assert.True(body.GetProperty("properties").TryGetProperty("name", out _));
        Assert.Equal(["name"], body.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Schemas_ReadOnlyAndWriteOnly_OneDtoPerDirection()
    {
        var widget = Dto(Constructs, "Widget");
        var writable = Dto(Constructs, "WidgetWritable");

        // The response shape leaves writeOnly 'secret' out; the request shape leaves readOnly 'id' out.
        Assert.Equal(["id", "name", "colour"], widget.Properties.Select(p => p.JsonName));
        Assert.Equal(["name", "secret", "colour"], writable.Properties.Select(p => p.JsonName));
        Assert.EndsWith(".Widget", CallOf(Tool("auth0_get_widget")).ResponseType, StringComparison.Ordinal);
        Assert.EndsWith(".Widget", CallOf(Tool("auth0_create_widget")).ResponseType, StringComparison.Ordinal);
    }

    [Fact]
    public void Schemas_DirectionalPropertyDeepInside_SplitsEveryHolderUsedBothWays()
    {
        // Order holds Line (readOnly 'price') through an array, and Node refers to itself; Tag has no directional
        // property, Login is only sent, Session only returned.
        var run = CoreRun.From(
            """
            {"openapi":"3.1.0","info":{"title":"Shop","version":"1"},"paths":{
              "/orders":{"post":{"operationId":"createOrder",
                "requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Order"}}}},
                "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Order"}}}}}}},
              "/nodes":{"put":{"operationId":"putNode",
                "requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Node"}}}},
                "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Node"}}}}}}},
              "/login":{"post":{"operationId":"login",
                "requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Login"}}}},
                "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Session"}}}}}}}},
             "components":{"schemas":{
              "Order":{"type":"object","properties":{"lines":{"type":"array","items":{"$ref":"#/components/schemas/Line"}},"tag":{"$ref":"#/components/schemas/Tag"}}},
              "Line":{"type":"object","properties":{"sku":{"type":"string"},"price":{"type":"number","readOnly":true}}},
              "Tag":{"type":"object","properties":{"label":{"type":"string"}}},
              "Node":{"type":"object","properties":{"id":{"allOf":[{"$ref":"#/components/schemas/NodeId"}]},"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}}}},
              "NodeId":{"type":"string","readOnly":true},
              "Login":{"type":"object","properties":{"user":{"type":"string"},"password":{"type":"string","writeOnly":true}}},
              "Session":{"type":"object","properties":{"user":{"type":"string"},"password":{"type":"string","writeOnly":true},"token":{"type":"string","readOnly":true}}}}}}
            """,
            "Fixtures.Flows");

        Assert.Equal(
            ["Line", "LineWritable", "Login", "Node", "NodeWritable", "Order", "OrderWritable", "Session", "Tag"],
            run.RequiredModel.Dtos.Select(d => d.Name));
        // The holder's request shape holds the request shapes below it, through arrays and its own recursion.
        Assert.Equal("global::System.Collections.Generic.List<global::Fixtures.Flows.Models.LineWritable>", Property(run, "OrderWritable", "lines").CsType);
        Assert.Equal("global::Fixtures.Flows.Models.Tag", Property(run, "OrderWritable", "tag").CsType);
        Assert.Equal("global::System.Collections.Generic.List<global::Fixtures.Flows.Models.Line>", Property(run, "Order", "lines").CsType);
        Assert.Equal(["sku"], Dto(run, "LineWritable").Properties.Select(p => p.JsonName));
        Assert.Equal(["sku", "price"], Dto(run, "Line").Properties.Select(p => p.JsonName));
        Assert.Equal(["children"], Dto(run, "NodeWritable").Properties.Select(p => p.JsonName));
        Assert.Equal("global::System.Collections.Generic.List<global::Fixtures.Flows.Models.NodeWritable>", Property(run, "NodeWritable", "children").CsType);
        Assert.Equal(["id", "children"], Dto(run, "Node").Properties.Select(p => p.JsonName));
        // Used one way only: the plain name, with that direction's properties.
        Assert.Equal(["user", "password"], Dto(run, "Login").Properties.Select(p => p.JsonName));
        Assert.Equal(["user", "token"], Dto(run, "Session").Properties.Select(p => p.JsonName));
        Assert.Empty(run.Diagnostics);
    }

    private static DtoModel Dto(CoreRun run, string name) => Assert.Single(run.RequiredModel.Dtos, d => d.Name == name);

    private static DtoPropertyModel Property(CoreRun run, string dto, string jsonName) => Assert.Single(Dto(run, dto).Properties, p => p.JsonName == jsonName);

    [Fact]
    public void Deprecated_OperationAndProperty_Surfaced()
    {
        var delete = Tool("auth0_delete_widget");

        Assert.Equal("deprecated", delete.Lifecycle);
        Assert.StartsWith("Deprecated: ", delete.Description, StringComparison.Ordinal);
        Assert.Contains("\"colour\":{\"type\":\"string\",\"description\":\"Deprecated.\"}", Tool("auth0_replace_widget").InputSchema, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_NoOperationId_FromTagMethodAndPath_GroupSkipsTheVersion()
    {
        var note = Assert.Single(Constructs.RequiredModel.Tools, t => t.Path == "/v2/notes" && t.Method == "POST");
        var list = Tool("auth0_list_notes");

        Assert.Equal("auth0_notes_post_v2_notes", note.Name);
        Assert.Equal("notes", list.GroupKey);
        Assert.Equal(ParamKind.QueryCsv, Assert.Single(CallOf(list).Parameters).Kind);
    }

    [Fact]
    public void Schemas_CutsPastTheDepthOrRecursion_KeepTheTargetsTypeOrDescribeALeafWhole()
    {
        // Nested objects, each with a size that is a Quantity (a string): past the depth limit the next object becomes
        // a placeholder, but the size beside it is described whole (a placeholder claiming "object" would refuse
        // "500m"). A recursive array stays an array.
        var run = CoreRun.From(
            """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/deep":{"post":{"operationId":"post_deep","requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/L0"}}}},"responses":{"200":{"description":"ok"}}}},"/trees":{"post":{"operationId":"post_tree","requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Forest"}}}},"responses":{"200":{"description":"ok"}}}}},"components":{"schemas":{"L0":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L1"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L1":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L2"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L2":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L3"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L3":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L4"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L4":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L5"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L5":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L6"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L6":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L7"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L7":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L8"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L8":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L9"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L9":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/L10"},"size":{"$ref":"#/components/schemas/Quantity"}}},"L10":{"type":"object"},"Quantity":{"type":"string","pattern":"^[0-9]+m?$"},"Forest":{"type":"array","items":{"$ref":"#/components/schemas/Forest"}}}}}
            """,
            "Fixtures.Cuts");

        var deep = Assert.Single(run.RequiredModel.Tools, t => t.Name == "auth0_post_deep").InputSchema;
        var tree = Assert.Single(run.RequiredModel.Tools, t => t.Name == "auth0_post_tree").InputSchema;

        Assert.True(deep.Contains("object (too deep to describe here; see the API documentation).\"},\"size\":{\"type\":\"string\",\"pattern\":\"^[0-9]+m?$\"}", StringComparison.Ordinal), deep);
        Assert.DoesNotContain("A nested Quantity", deep, StringComparison.Ordinal);
        Assert.True(tree.Contains("{\"type\":\"array\",\"description\":\"A nested Forest array (recursive;", StringComparison.Ordinal), tree);
    }

    [Fact]
    public void Schemas_AllOfOfValuesNotObjects_StaysThatTypeWithEveryConstraint()
    {
        // allOf members that are strings (a $ref beside a type, a constraint or a "null", as ato.gov.au and Codat write
        // them) were merged as an object, which refused every valid string; an allOf of objects is still one object.
        var run = CoreRun.From(
            """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/codes":{"post":{"operationId":"post_code","requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object","properties":{
              "id":{"allOf":[{"$ref":"#/components/schemas/Code"},{"type":"string"}]},
              "short":{"allOf":[{"$ref":"#/components/schemas/Code"},{"maxLength":5}]},
              "currency":{"allOf":[{"$ref":"#/components/schemas/Code"},{"type":"null"}]},
              "count":{"allOf":[{"type":"integer","minimum":1,"maximum":100},{"minimum":0,"maximum":10}]},
              "owner":{"allOf":[{"$ref":"#/components/schemas/Person"},{"properties":{"role":{"type":"string"}},"required":["role"]}]}}}}}},
              "responses":{"204":{"description":"ok"}}}}},
            "components":{"schemas":{"Code":{"type":"string","maxLength":36,"pattern":"^[A-Z]+$","description":"A code."},"Person":{"type":"object","properties":{"name":{"type":"string"}}}}}}
            """,
            "Fixtures.AllOfValues");

        using var schema = JsonDocument.Parse(Assert.Single(run.RequiredModel.Tools).InputSchema);
        var body = schema.RootElement.GetProperty("properties").GetProperty("body").GetProperty("properties");
        string Of(string name) => body.GetProperty(name).GetRawText();

        Assert.Equal("""{"type":"string","description":"A code.","pattern":"^[A-Z]+$","maxLength":36}""", Of("id"));
        Assert.Equal("""{"type":"string","description":"A code.","pattern":"^[A-Z]+$","maxLength":5}""", Of("short"));
        Assert.Equal("""{"type":["string","null"],"description":"A code.","pattern":"^[A-Z]+$","maxLength":36}""", Of("currency"));
        Assert.Equal("""{"type":"integer","minimum":1,"maximum":10}""", Of("count"));
        Assert.Equal("""{"type":"object","properties":{"name":{"type":"string"},"role":{"type":"string"}},"required":["role"]}""", Of("owner"));
    }

    [Fact]
    public void Reader_AcceptContentTypeAndAuthorizationHeaders_IgnoredAsOpenApiSays()
    {
        var run = CoreRun.From(
            """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/items":{"get":{"operationId":"list_items","parameters":[
              {"name":"Authorization","in":"header","required":true,"schema":{"type":"string"}},
              {"name":"accept","in":"header","required":true,"schema":{"type":"string"}},
              {"name":"Content-Type","in":"header","schema":{"type":"string"}},
              {"name":"X-Tenant","in":"header","required":true,"schema":{"type":"string"}}],
              "responses":{"200":{"description":"ok"}}}}}}
            """,
            "Fixtures.Headers");

        var tool = Assert.Single(run.RequiredModel.Tools);
        using var schema = JsonDocument.Parse(tool.InputSchema);
        Assert.Equal(["X-Tenant"], schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["X-Tenant"], schema.RootElement.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(3, run.Diagnostics.Count(d => d.Id == DiagnosticIds.ParameterNotSent && d.Message.Contains("ignored, as OpenAPI says", StringComparison.Ordinal)));
    }

    [Fact]
    public void Arguments_SameNameInTwoLocations_PathKeepsItTheOthersSuffixedByLocation()
    {
        // Trello's /tokens/{token}?token=…, Mercure's Last-Event-ID in the query and a header: both parameters were one
        // argument (two "token" keys in the schema, one value sent to both places). A suffixed name that another
        // parameter has (token_query here) is numbered, and a parameter named "body" moves the body aside, as before.
        var text = """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/tokens/{token}":{"post":{"operationId":"post_token","parameters":[
              {"name":"token","in":"query","required":true,"description":"The API token.","schema":{"type":"string"}},
              {"name":"token","in":"header","schema":{"type":"string"}},
              {"name":"token_query","in":"query","schema":{"type":"string"}},
              {"name":"body","in":"query","schema":{"type":"string"}},
              {"name":"token","in":"path","required":true,"schema":{"type":"string"}}],
              "requestBody":{"content":{"application/json":{"schema":{"type":"object"}}}},
              "responses":{"204":{"description":"ok"}}}}}}
            """;
        var run = CoreRun.From(text, "Fixtures.SameName");

        var tool = Assert.Single(run.RequiredModel.Tools);
        using var schema = JsonDocument.Parse(tool.InputSchema);
        var properties = schema.RootElement.GetProperty("properties");
        Assert.Equal(["token_query_2", "token_header", "token_query", "body", "token", "request_body"], properties.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["token_query_2", "token"], schema.RootElement.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("The query parameter 'token'. The API token.", properties.GetProperty("token_query_2").GetProperty("description").GetString());
        Assert.Equal(
            [("token_query_2", RequestLocation.Query, "token"), ("token", RequestLocation.Path, "token"), ("token_header", RequestLocation.Header, "token"), ("token_query", RequestLocation.Query, "token_query"), ("body", RequestLocation.Query, "body")],
            tool.Request.Arguments.Select(a => (a.Name, a.Location, a.WireName)));
        Assert.Equal("request_body", tool.Request.BodyArgument);
        Assert.Equal(2, run.Diagnostics.Count(d => d.Id == DiagnosticIds.ArgumentRenamed));
        Assert.Contains(run.Diagnostics, d => d.Id == DiagnosticIds.ArgumentRenamed && d.Message.Contains("'token_header'", StringComparison.Ordinal));

        // The descriptor carries the wire names, the typed arguments read the renamed arguments, and it all compiles.
        var generated = string.Concat(run.ToolFiles().Select(f => f.Text));
        Assert.Contains("new(\"token_query_2\", global::Auth0Mcp.Sdk.Catalog.Auth0ArgumentLocation.Query) { WireName = \"token\" }", generated, StringComparison.Ordinal);
        Assert.Contains("ToolArgumentReader.String(arguments, \"token_query_2\")", generated, StringComparison.Ordinal);
        var compiled = GeneratedCompilation.Compile("SameName", run.ClientFiles(), text, "Fixtures.SameName");
        Assert.True(compiled.Problems.Count == 0, GeneratedCompilation.Result.Format(compiled.Problems));
    }

    [Fact]
    public void Arguments_OneParameterListedTwice_TwoArgumentsNoCrash()
    {
        // A path item may list a parameter twice (an operation's own list overrides by name and location): not a crash.
        var run = CoreRun.From(
            """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/x":{"parameters":[
              {"name":"q","in":"query","schema":{"type":"string"}},{"name":"q","in":"query","schema":{"type":"integer"}}],
              "get":{"operationId":"get_x","responses":{"200":{"description":"ok"}}}}}}
            """,
            "Fixtures.Twice");

        Assert.Equal(["q", "q_query"], Assert.Single(run.RequiredModel.Tools).Request.Arguments.Select(a => a.Name));
        Assert.Contains("has the name of another query parameter", Assert.Single(run.Diagnostics, d => d.Id == DiagnosticIds.ArgumentRenamed).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_ObjectInTheQuery_PlannedInItsStyle()
    {
        // Object query parameters were planned as plain query values (sent as JSON text) whatever their style.
        var run = CoreRun.From(
            """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/things":{"get":{"operationId":"list_things","parameters":[
              {"name":"filter","in":"query","schema":{"type":"object","properties":{"status":{"type":"string"}}}},
              {"name":"point","in":"query","style":"form","explode":false,"schema":{"type":"object","additionalProperties":{"type":"integer"}}},
              {"name":"color","in":"query","style":"deepObject","explode":true,"schema":{"type":"object","properties":{"R":{"type":"integer"}}}},
              {"name":"page","in":"query","schema":{"$ref":"#/components/schemas/Page"}},
              {"name":"q","in":"query","style":"form","explode":false,"schema":{"type":"string"}},
              {"name":"level","in":"query","schema":{"enum":["low","high"]}},
              {"name":"ids","in":"query","schema":{"type":"array","items":{"type":"string"}}},
              {"name":"keys","in":"query","explode":false,"schema":{"type":"array","items":{"type":"string"}}},
              {"name":"sort","in":"query","style":"pipeDelimited","schema":{"type":"array","items":{"type":"string"}}}],
              "responses":{"200":{"description":"ok"}}}}},
            "components":{"schemas":{"Page":{"allOf":[{"type":"object","properties":{"size":{"type":"integer"}}},{"properties":{"number":{"type":"integer"}}}]}}}}
            """,
            "Fixtures.QueryObjects");

        var plan = Assert.Single(run.RequiredModel.Tools).Request;
        Assert.Equal(
            [("filter", RequestLocation.QueryMulti), ("point", RequestLocation.Query), ("color", RequestLocation.QueryDeepObject), ("page", RequestLocation.QueryMulti), ("q", RequestLocation.Query), ("level", RequestLocation.Query), ("ids", RequestLocation.QueryMulti), ("keys", RequestLocation.Query), ("sort", RequestLocation.Query)],
            plan.Arguments.Select(a => (a.Name, a.Location)));
        Assert.Equal("sort", Assert.Single(run.Diagnostics, d => d.Id == DiagnosticIds.ParameterStyle).Message.Split('\'')[1]);
    }

    [Fact]
    public void Parameters_PathAndHeaderStyles_PlannedInTheirStyle_DisallowedStyleReported()
    {
        // Path and header parameters were planned as Path/Header whatever their style (an object went as JSON text).
        // explode matters for objects (and, in label and matrix, arrays); a scalar keeps the plain location. A style
        // OpenAPI does not allow in the location is a warning and the location's default (explode as written, else
        // the written style's default: true for form).
        var text = """
            {"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/points/{p}/{q}/{r}/{s}/{t}/{u}/{v}/{w}/{x}":{"get":{"operationId":"get_point","parameters":[
              {"name":"p","in":"path","required":true,"schema":{"type":"object","properties":{"x":{"type":"integer"}}}},
              {"name":"q","in":"path","required":true,"explode":true,"schema":{"$ref":"#/components/schemas/Point"}},
              {"name":"r","in":"path","required":true,"style":"label","schema":{"type":"object","additionalProperties":{"type":"integer"}}},
              {"name":"s","in":"path","required":true,"style":"label","explode":true,"schema":{"type":"array","items":{"type":"string"}}},
              {"name":"t","in":"path","required":true,"style":"matrix","schema":{"type":"string"}},
              {"name":"u","in":"path","required":true,"style":"matrix","explode":true,"schema":{"type":"object"}},
              {"name":"v","in":"path","required":true,"style":"simple","explode":true,"schema":{"type":"string"}},
              {"name":"w","in":"path","required":true,"style":"deepObject","explode":true,"schema":{"type":"object"}},
              {"name":"x","in":"path","required":true,"explode":true,"schema":{"type":"array","items":{"type":"string"}}},
              {"name":"X-Point","in":"header","schema":{"type":"object"}},
              {"name":"X-Point-Exploded","in":"header","explode":true,"schema":{"$ref":"#/components/schemas/Point"}},
              {"name":"X-Form","in":"header","style":"form","schema":{"type":"object"}},
              {"name":"X-Ids","in":"header","explode":true,"schema":{"type":"array","items":{"type":"string"}}},
              {"name":"ids","in":"query","style":"simple","schema":{"type":"array","items":{"type":"string"}}}],
              "responses":{"200":{"description":"ok"}}}}},
            "components":{"schemas":{"Point":{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}}}}}}
            """;
        var run = CoreRun.From(text, "Fixtures.PathStyles");

        var plan = Assert.Single(run.RequiredModel.Tools).Request;
        Assert.Equal(
            [
                ("p", RequestLocation.Path), ("q", RequestLocation.PathExploded), ("r", RequestLocation.PathLabel), ("s", RequestLocation.PathLabelExploded),
                ("t", RequestLocation.PathMatrix), ("u", RequestLocation.PathMatrixExploded), ("v", RequestLocation.Path), ("w", RequestLocation.PathExploded),
                ("x", RequestLocation.Path), ("X-Point", RequestLocation.Header), ("X-Point-Exploded", RequestLocation.HeaderExploded),
                ("X-Form", RequestLocation.HeaderExploded), ("X-Ids", RequestLocation.Header), ("ids", RequestLocation.Query),
            ],
            plan.Arguments.Select(a => (a.Name, a.Location)));

        // deepObject in a path, form in a header, simple in the query: OpenAPI allows none of them there.
        var disallowed = run.Diagnostics.Where(d => d.Id == DiagnosticIds.StyleNotAllowed).ToList();
        Assert.Equal(["w", "X-Form", "ids"], disallowed.Select(d => d.Message.Split('\'')[1]));
        Assert.All(disallowed, d => Assert.Equal(Severity.Warning, d.Severity));
        Assert.Contains("sent in the path's default style (simple, exploded)", disallowed[0].Message, StringComparison.Ordinal);
        Assert.Contains("sent in the query's default style (form)", disallowed[2].Message, StringComparison.Ordinal);

        // label and matrix: the tools send them, the typed client (a string Refit escapes whole) cannot; said once each.
        var typedClient = run.Diagnostics.Where(d => d.Id == DiagnosticIds.ParameterStyle).ToList();
        Assert.Equal(["r", "s", "t", "u"], typedClient.Select(d => d.Message.Split('\'')[1]));
        Assert.All(typedClient, d => Assert.Contains("cannot be written through the typed client", d.Message, StringComparison.Ordinal));

        // The descriptor names the Sdk's locations, and the whole thing compiles.
        var generated = string.Concat(run.ToolFiles().Select(f => f.Text));
        Assert.Contains("new(\"u\", global::Auth0Mcp.Sdk.Catalog.Auth0ArgumentLocation.PathMatrixExploded)", generated, StringComparison.Ordinal);
        Assert.Contains("new(\"X-Point-Exploded\", global::Auth0Mcp.Sdk.Catalog.Auth0ArgumentLocation.HeaderExploded)", generated, StringComparison.Ordinal);
        var compiled = GeneratedCompilation.Compile("PathStyles", run.ClientFiles(), text, "Fixtures.PathStyles");
        var problems = compiled.Problems.Where(d => d.Id != DiagnosticIds.StyleNotAllowed).ToList();
        Assert.True(problems.Count == 0, GeneratedCompilation.Result.Format(problems));
    }

    [Fact]
    public void Reader_PlaceholderWithoutParameter_IsAnErrorAtTheOperation()
    {
        var run = CoreRun.From(
            """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
              "/wsfed/{clientId}":{"get":{"operationId":"get_wsfed","parameters":[{"name":"client-id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}}}}
            """,
            "Fixtures.Mismatch");

        var errors = run.Diagnostics.Where(d => d.Id == DiagnosticIds.PathParameterMismatch).ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal(Severity.Error, e.Severity));
        Assert.Contains(errors, e => e.Message.Contains("{clientId}", StringComparison.Ordinal) && e.Message.Contains("'client-id'", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Equal(2, e.Line));
    }

    [Fact]
    public void Reader_Swagger2_OneClearError()
    {
        var run = CoreRun.From("{\"swagger\":\"2.0\",\"info\":{},\"paths\":{}}", "Fixtures.Swagger");

        var error = Assert.Single(run.Diagnostics);
        Assert.Equal(DiagnosticIds.Swagger2, error.Id);
        Assert.Contains("Swagger 2.0", error.Message, StringComparison.Ordinal);
        Assert.Null(run.Model);
    }

    [Theory]
    [InlineData("{\"$ref\":\"other.yaml#/components/parameters/P\"}", DiagnosticIds.ExternalRef)]
    [InlineData("{\"$ref\":\"#/components/parameters/Missing\"}", DiagnosticIds.DanglingRef)]
    [InlineData("{\"$ref\":\"#/components/parameters/Loop\"}", DiagnosticIds.RefCycle)]
    [InlineData("{\"name\":\"sid\",\"in\":\"cookie\",\"required\":true,\"schema\":{\"type\":\"string\"}}", DiagnosticIds.ParameterNotSent)]
    public void Reader_ParameterNotTurnedIntoCode_ReportedOnceWithPointer(string parameter, string id)
    {
        var run = CoreRun.From(
            "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/x\":{\"get\":{\"operationId\":\"get_x\",\"parameters\":[" + parameter
            + "],\"responses\":{\"200\":{\"description\":\"ok\"}}}}},\"components\":{\"parameters\":{\"Loop\":{\"$ref\":\"#/components/parameters/Loop\"}}}}",
            "Fixtures.Params");

        var diagnostic = Assert.Single(run.Diagnostics, d => d.Id == id);
        Assert.Equal("/paths/~1x/get/parameters/0", diagnostic.Pointer);
        Assert.Contains("(#/paths/~1x/get/parameters/0)", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(1, diagnostic.Line);
        Assert.True(diagnostic.Column > 1);
    }

    [Fact]
    public void Names_Collision_ToldApartByMethodAndReportedOnce()
    {
        var text = """
            {"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
              "/apns":{"get":{"operationId":"set_apns_provider","responses":{"200":{"description":"ok"}}},
                       "patch":{"operationId":"set-apns-provider","responses":{"200":{"description":"ok"}}}}}}
            """;
        var run = CoreRun.From(text, "Fixtures.Clash");
        var (_, silent) = GeneratorHost.Run(text, "Fixtures.Clash", specDiagnostics: "cli");
        var (_, reporting) = GeneratorHost.Run(text, "Fixtures.Clash");

        Assert.Equal(["auth0_set_apns_provider", "auth0_set_apns_provider_patch"], run.RequiredModel.Tools.Select(t => t.Name));
        Assert.Single(run.Diagnostics, d => d.Id == DiagnosticIds.NameClash);
        Assert.Empty(silent.Diagnostics);
        Assert.Single(reporting.Diagnostics, d => d.Id == DiagnosticIds.NameClash);
    }

    [Fact]
    public void Names_Overlong_ShortenedKeepingVerbAndValidForEveryClient()
    {
        var id = "create_connections_directory_provisioning_configuration_scim_token_for_the_tenant_members";
        var run = CoreRun.From(
            "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/a\":{\"post\":{\"operationId\":\"" + id + "\",\"responses\":{\"204\":{\"description\":\"ok\"}}},"
            + "\"delete\":{\"operationId\":\"" + id.Replace("create_", "delete_", StringComparison.Ordinal) + "\",\"responses\":{\"204\":{\"description\":\"ok\"}}}}}}",
            "Fixtures.Long");

        var names = run.RequiredModel.Tools.Select(t => t.Name).ToList();
        Assert.All(names, n => Assert.Matches("^[a-z0-9_]{1,64}$", n));
        Assert.Contains(names, n => n.StartsWith("auth0_create_", StringComparison.Ordinal) && n.EndsWith("_members", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("auth0_delete_", StringComparison.Ordinal) && n.EndsWith("_members", StringComparison.Ordinal));
    }

    [Fact]
    public void Yaml_SameDocument_SameModelAsJson()
    {
        var json = SmallSpecs.Text(SmallSpecs.Constructs);
        var yaml = ToYaml(JsonDocument.Parse(json).RootElement, 0);

        var converted = YamlSpec.ToJson(yaml, out var error);

        Assert.Null(error);
        Assert.True(YamlSpec.IsYaml("spec.yaml", yaml));
        Assert.Equal(Constructs.RequiredModel, CoreRun.From(converted!, SmallSpecs.Namespace(SmallSpecs.Constructs)).RequiredModel);
    }

    [Fact]
    public void Yaml_DiagnosticPointer_LocatedOnTheYamlLine()
    {
        var yaml = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /x/{id}:\n    get:\n      operationId: get_x\n      responses:\n        '200': {description: ok}\n";

        var found = YamlSpec.FindPointers(yaml, new HashSet<string> { "/paths/~1x~1{id}/get" });

        Assert.Equal((5, 5), found["/paths/~1x~1{id}/get"]);
    }

    [Fact]
    public void Yaml_Invalid_ErrorWithLine()
    {
        Assert.Null(YamlSpec.ToJson("openapi: 3.0.0\npaths:\n  - [unclosed\n", out var error));
        Assert.Equal(DiagnosticIds.InvalidYaml, error!.Id);
        Assert.True(error.Line >= 3);
    }

    [Fact]
    public void Yaml_AliasesRepeatedInsideRepeatedAnchors_A0MG016InsteadOfAnExponentialDocument()
    {
        // Six levels of an anchor repeating the one before ten times: about 400 bytes that would expand into a million
        // values (seven levels made a 69 MB openapi.json with 770 MB of memory).
        var yaml = LaughsYaml(levels: 6);

        Assert.Null(YamlSpec.ToJson(yaml, out var error));
        Assert.Equal(DiagnosticIds.InvalidYaml, error!.Id);
        Assert.Equal(Severity.Error, error.Severity);
        Assert.Contains("aliases expand past the limit of 1,000,000 JSON values and characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_OneLongStringAliasedManyTimes_A0MG016InsteadOfAQuadraticDocument()
    {
        // 12 KB of YAML: a 6,000-character string aliased 2,000 times wrote 12 MB of JSON (48 KB: 192 MB and 1.3 GB of
        // memory), one value per alias counted, not its characters.
        var yaml = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-big: &b \"" + new string('A', 6000) + "\"\nx-copies: ["
            + string.Join(",", Enumerable.Repeat("*b", 2000)) + "]\n";

        Assert.Null(YamlSpec.ToJson(yaml, out var error));
        Assert.Equal(DiagnosticIds.InvalidYaml, error!.Id);
        Assert.Contains("aliases expand past the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_LongStringsWithoutAliases_Converted()
    {
        // The budget counts characters, but no document without aliases comes near it: 3 MB of strings pass.
        var yaml = new StringBuilder("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-strings:\n");
        for (var i = 0; i < 300; i++)
        {
            yaml.Append("  - \"").Append('A', 10_000).Append("\"\n");
        }

        var converted = YamlSpec.ToJson(yaml.ToString(), out var error);

        Assert.Null(error);
        using var doc = JsonDocument.Parse(converted!);
        Assert.Equal(300, doc.RootElement.GetProperty("x-strings").GetArrayLength());
    }

    [Fact]
    public void Yaml_AliasesWithinTheBudget_ExpandedInFull()
    {
        // Five levels: 10 + 100 + … + 100,000 values, well under the budget.
        var converted = YamlSpec.ToJson(LaughsYaml(levels: 5), out var error);

        Assert.Null(error);
        Assert.Equal(111_110, converted!.Split("\"lol\"").Length - 1);
        using var doc = JsonDocument.Parse(converted);
        Assert.Equal(10, doc.RootElement.GetProperty("x-l4").GetArrayLength());
    }

    [Theory]
    [InlineData("x-k:\n  ? [a, b]\n  : v\n", "sequence")]
    [InlineData("x-k:\n  ? {a: b}\n  : v\n", "mapping")]
    public void Yaml_NonScalarMappingKey_A0MG016(string member, string kind)
    {
        Assert.Null(YamlSpec.ToJson("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n" + member, out var error));
        Assert.Equal(DiagnosticIds.InvalidYaml, error!.Id);
        Assert.Contains($"a mapping key at line 5 is a {kind}, which JSON cannot have as a name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_AliasesInsideANonScalarKey_A0MG016InsteadOfAnExponentialName()
    {
        // The key's text was its name: the aliases in it expanded with no budget (a 60 MB name from 500 bytes).
        var yaml = new StringBuilder("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-k:\n  ? - &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (var level = 1; level < 6; level++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"    - &l{level} [{string.Join(",", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        Assert.Null(YamlSpec.ToJson(yaml.Append("  : v\n").ToString(), out var error));
        Assert.Equal(DiagnosticIds.InvalidYaml, error!.Id);
        Assert.Contains("a mapping key at line 5 is a sequence", error.Message, StringComparison.Ordinal);
    }

    /// <summary>An OpenAPI YAML with anchors x-l0 … x-l(levels-1), each a sequence repeating the one before ten times.</summary>
    private static string LaughsYaml(int levels)
    {
        var sb = new StringBuilder("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (var level = 1; level < levels; level++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"x-l{level}: &l{level} [{string.Join(",", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        return sb.ToString();
    }

    /// <summary>A block-style YAML rendering of JSON (strings single-quoted), to prove the reader sees the same document.</summary>
    private static string ToYaml(JsonElement e, int indent)
    {
        var pad = new string(' ', indent);
        var sb = new System.Text.StringBuilder();
        switch (e.ValueKind)
        {
            case JsonValueKind.Object when e.EnumerateObject().Any():
                foreach (var p in e.EnumerateObject())
                {
                    sb.Append(pad).Append(Quote(p.Name)).Append(':');
                    sb.Append(IsBlock(p.Value) ? "\n" + ToYaml(p.Value, indent + 2) : " " + Scalar(p.Value) + "\n");
                }

                return sb.ToString();
            case JsonValueKind.Array when e.GetArrayLength() > 0:
                foreach (var item in e.EnumerateArray())
                {
                    sb.Append(pad).Append("-");
                    sb.Append(IsBlock(item) ? "\n" + ToYaml(item, indent + 2) : " " + Scalar(item) + "\n");
                }

                return sb.ToString();
            default:
                return pad + Scalar(e) + "\n";
        }

        static bool IsBlock(JsonElement v) =>
            (v.ValueKind == JsonValueKind.Object && v.EnumerateObject().Any()) || (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0);

        static string Scalar(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.String => Quote(v.GetString()!),
            JsonValueKind.Object => "{}",
            JsonValueKind.Array => "[]",
            _ => v.GetRawText(),
        };

        static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
