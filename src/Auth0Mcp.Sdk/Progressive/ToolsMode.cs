namespace Auth0Mcp.Sdk.Progressive;

/// <summary>How the server presents its tools to a model.</summary>
public enum ToolsMode
{
    /// <summary>Every entitled tool in <c>tools/list</c>, paginated (<see cref="ToolsModeOptions.PageSize"/>).</summary>
    Full,

    /// <summary>
    /// Three tools only: search the entitled tools, describe one, call one by name. Every entitled operation stays
    /// reachable while <c>tools/list</c> stays a few kilobytes.
    /// </summary>
    Progressive,
}

/// <summary>Settings of <c>WithToolsMode</c>.</summary>
public sealed class ToolsModeOptions
{
    /// <summary>The mode (default <see cref="ToolsMode.Full"/>).</summary>
    public ToolsMode Mode { get; set; } = ToolsMode.Full;

    /// <summary>Tools per <c>tools/list</c> page in full mode; 0 answers every tool in one page. Default 100.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>The most results one search returns (the caller may ask for fewer). Default 25.</summary>
    public int MaxSearchResults { get; set; } = 25;

    /// <summary>The problems with these options; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (PageSize < 0)
        {
            errors.Add("PageSize must be 0 (no paging) or positive");
        }

        if (MaxSearchResults < 1)
        {
            errors.Add("MaxSearchResults must be positive");
        }

        return errors;
    }

    /// <summary>Parses <c>full</c> or <c>progressive</c> (case-insensitive).</summary>
    public static bool TryParseMode(string? text, out ToolsMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "full":
                mode = ToolsMode.Full;
                return true;
            case "progressive":
                mode = ToolsMode.Progressive;
                return true;
            default:
                mode = ToolsMode.Full;
                return false;
        }
    }
}
