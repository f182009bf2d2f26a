namespace Auth0Mcp.Sdk.Catalog;

/// <summary>What a tool does to tenant data, derived from the operation's HTTP method and name.</summary>
public enum Auth0ToolAction
{
    /// <summary>Reads data and changes nothing (GET).</summary>
    Read,

    /// <summary>Creates or changes data (POST, PUT, PATCH).</summary>
    Write,

    /// <summary>Removes data (DELETE).</summary>
    Delete,
}
