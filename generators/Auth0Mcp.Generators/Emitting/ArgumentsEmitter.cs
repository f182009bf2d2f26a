using System.Linq;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>
/// Emits each tool's typed arguments record (one file per operation group) and the static class of typed tool
/// handles (<c>ManagementTools.UsersUpdate</c>), with which a C# host writes argument rules the compiler checks.
/// </summary>
internal static class ArgumentsEmitter
{
    public static string EmitGroup(ArgumentsGroupModel group)
    {
        using var w = new SourceWriter().Header(group.ApiTitle);
        w.Line($"namespace {group.Namespace}.{ArgumentsModel.SubNamespace};");
        foreach (var record in group.Records)
        {
            w.Line();
            WriteRecord(w, record);
        }

        return w.ToString();
    }

    private static void WriteRecord(SourceWriter w, ArgumentsRecordModel record)
    {
        w.Line($"/// <summary>The arguments of <c>{record.ToolName}</c>, read from the validated call.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public sealed class {record.RecordName}");
        foreach (var field in record.Fields)
        {
            w.Line($"/// <summary>The <c>{CSharp.Doc(field.ArgumentName)}</c> argument{(field.Required ? "" : ", null when absent")}.</summary>");
            w.Line(field.Required && !IsValueType(field)
                ? $"public required {field.CsType} {field.PropertyName} {{ get; init; }}"
                : $"public {field.CsType}{(field.Required ? "" : "?")} {field.PropertyName} {{ get; init; }}");
            w.Line();
        }

        // The reader: one runtime call per argument; a body goes through the generated JSON context (no reflection).
        w.Line("/// <summary>Reads the arguments of a call that passed the tool's input schema.</summary>");
        w.Line($"public static {record.RecordName} FromArguments(global::System.Collections.Generic.IReadOnlyDictionary<string, {KnownTypes.JsonElement}> arguments) => new()");
        w.Line("{");
        w.Indent();
        foreach (var field in record.Fields)
        {
            w.Line($"{field.PropertyName} = {Reader(field)},");
        }

        w.Outdent();
        w.Line("};");
        w.Close();
    }

    private static bool IsValueType(ArgumentFieldModel field) => field.Read is not (ArgumentRead.String or ArgumentRead.Strings or ArgumentRead.Json);

    private static string Reader(ArgumentFieldModel field)
    {
        var name = CSharp.Literal(field.ArgumentName);
        var call = field.Read == ArgumentRead.Json
            ? $"{KnownTypes.ArgumentReader}.Json(arguments, {name}, {field.TypeInfo})"
            : $"{KnownTypes.ArgumentReader}.{field.Read}(arguments, {name})";
        if (!field.Required)
        {
            return call;
        }

        // Required: the schema guarantees the value; a missing one reads as the type's empty value, never a null.
        return IsValueType(field) ? $"{call}.GetValueOrDefault()" : call + " ?? " + (field.Read switch
        {
            ArgumentRead.String => "\"\"",
            ArgumentRead.Strings => "global::System.Array.Empty<string>()",
            _ => $"throw new global::System.Text.Json.JsonException({CSharp.Literal($"'{field.ArgumentName}' is required")})",
        });
    }

    public static string EmitHandles(ToolHandlesModel model)
    {
        using var w = new SourceWriter().Header(model.ApiTitle);
        w.Line($"namespace {model.Namespace};").Line();
        w.Line($"/// <summary>Every tool ({model.Handles.Count}) as a typed handle: its name and its arguments record, for rules written in code.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public static partial class {model.ClassName}");
        var first = true;
        foreach (var handle in model.Handles)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            var record = $"global::{model.Namespace}.{ArgumentsModel.SubNamespace}.{handle.RecordName}";
            w.Line($"/// <summary><c>{handle.ToolName}</c>.</summary>");
            w.Line($"public static {KnownTypes.TypedTool}<{record}> {handle.HandleName} {{ get; }} = new({CSharp.Literal(handle.ToolName)}, {record}.FromArguments);");
        }

        w.Close();
        return w.ToString();
    }
}
