namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>A slow packaging test (packs, restores, builds consumers): skipped when AUTH0_MCP_SKIP_PACKAGING_TESTS=1.</summary>
public sealed class PackagingFactAttribute : FactAttribute
{
    public static bool Disabled => Environment.GetEnvironmentVariable("AUTH0_MCP_SKIP_PACKAGING_TESTS") == "1";

    public PackagingFactAttribute()
    {
        if (Disabled)
        {
            Skip = "AUTH0_MCP_SKIP_PACKAGING_TESTS=1";
        }

        Timeout = 0;
    }
}

/// <summary>A slow packaging theory: skipped when AUTH0_MCP_SKIP_PACKAGING_TESTS=1.</summary>
public sealed class PackagingTheoryAttribute : TheoryAttribute
{
    public PackagingTheoryAttribute()
    {
        if (PackagingFactAttribute.Disabled)
        {
            Skip = "AUTH0_MCP_SKIP_PACKAGING_TESTS=1";
        }

        Timeout = 0;
    }
}
