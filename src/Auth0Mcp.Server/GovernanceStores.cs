using System.Data.Common;
using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Governance;
using Npgsql;

namespace Auth0Mcp.Server;

/// <summary>
/// The server's one place for choosing and opening the governance store from its settings: <c>Governance:Store</c>
/// (<c>AUTH0_MCP_STORE</c>) is a PostgreSQL connection string or a SQLite file path, and the audit seal comes from
/// <c>Governance:AuditKey</c>, <c>:AuditKeyFile</c> and <c>:AuditCheckpoints</c> (<c>AUTH0_MCP_AUDIT_KEY</c>, …). The
/// libraries read no environment; hosts choose in code (<c>g.UseSqlite(path)</c>, <c>g.UsePostgres(connectionString)</c>).
/// </summary>
internal static partial class GovernanceStores
{
    /// <summary>The default SQLite file: <c>auth0-mcp/governance.db</c> under the user's local application data.</summary>
    public static string DefaultSqlitePath => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
        "auth0-mcp",
        "governance.db");

    /// <summary>Opens the store <paramref name="settings"/> name, sealed with their audit key and checkpoint file.</summary>
    public static IGovernanceStore Open(GovernanceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Open(settings.Store, new AuditSealOptions
        {
            Keys = settings.AuditKey is { Length: > 0 } inline ? AuditKeyRing.Parse(inline, "Governance:AuditKey (AUTH0_MCP_AUDIT_KEY)") : null,
            KeyFile = settings.AuditKeyFile is { Length: > 0 } keyFile ? keyFile : null,
            CheckpointFile = settings.AuditCheckpoints is { Length: > 0 } checkpoints ? checkpoints : null,
        });
    }

    /// <summary>The setting, as every message about it names it.</summary>
    internal const string Setting = "Governance:Store (AUTH0_MCP_STORE)";

    /// <summary>
    /// Opens the store <paramref name="location"/> names (null or blank: <see cref="DefaultSqlitePath"/>): a PostgreSQL
    /// connection string (<see cref="IsPostgres"/>) or a SQLite file path.
    /// </summary>
    /// <exception cref="UsageException"><paramref name="location"/> is neither (<see cref="Problem"/>; the settings check refuses it first).</exception>
    public static IGovernanceStore Open(string? location, AuditSealOptions? seal = null)
    {
        location = string.IsNullOrWhiteSpace(location) ? DefaultSqlitePath : location;
        seal ??= new AuditSealOptions();
        if (Problem(location) is { } problem)
        {
            // Never a SQLite file named after a connection string: its name (and the password in it) would be in the
            // folder's listing, the store's description, the start-up line and refusals that reach callers.
            throw UsageException.InvalidSettings([problem]);
        }

        return IsPostgres(location) ? new PostgresGovernanceStore(location, seal) : new SqliteGovernanceStore(location, seal);
    }

    /// <summary>
    /// Whether <paramref name="location"/> is meant as a PostgreSQL connection string rather than a file path:
    /// <c>Keyword=value</c> pairs whose keywords Npgsql all knows, at least one (<c>Host = db; Password = …</c>, spaces
    /// and all), or a <c>postgres://</c> URL. Whether it can be used is <see cref="Problem"/>'s question.
    /// </summary>
    public static bool IsPostgres(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (IsUrl(location))
        {
            return true;
        }

        ParsePostgres(location, out var meant, out _);
        return meant;
    }

    /// <summary>
    /// Why <paramref name="location"/> cannot name a store, or null: a <c>postgres://</c> URL (give the keyword form), a
    /// connection string Npgsql cannot read (which keyword), one whose pool is too small for the store
    /// (<see cref="PostgresGovernanceStore.PoolSizeProblem"/>), or a "file path" that looks like a connection string
    /// (<c>=</c> and <c>;</c>, or a password keyword). Never quotes the value: it may carry a password.
    /// </summary>
    public static string? Problem(string? location)
    {
        if (string.IsNullOrWhiteSpace(location))
        {
            return null;
        }

        if (IsUrl(location))
        {
            return $"{Setting}: a postgres:// URL is not accepted: write the PostgreSQL store as a connection string of keywords, e.g. Host=db.internal;Port=5432;Database=auth0mcp;Username=mcp;Password=… (percent-decoded)";
        }

        if (ParsePostgres(location, out var meant, out var why) is { } builder)
        {
            // Valid, but a pool the store cannot work with (one connection, which its audit writer keeps) is refused at start.
            return PostgresGovernanceStore.PoolSizeProblem(builder) is { } pool ? $"{Setting}: {pool}" : null;
        }

        if (!meant && !LooksLikeConnectionString(location))
        {
            return null;
        }

        return $"{Setting}: not a valid PostgreSQL connection string ({why}); a SQLite store is a file path without '=' and ';'";
    }

    /// <summary>
    /// The connection string <paramref name="location"/> is, read and checked as Npgsql does, or null with why not (a
    /// keyword's name at most, never a value); <paramref name="meant"/>: every keyword is one Npgsql knows.
    /// </summary>
    private static NpgsqlConnectionStringBuilder? ParsePostgres(string location, out bool meant, out string why)
    {
        meant = false;
        if (!location.Contains('=', StringComparison.Ordinal))
        {
            // A plain path (the default one too): not parsed, so no start-up pays for a parser's exception.
            why = "it has no Keyword=value pair";
            return null;
        }

        var pairs = new DbConnectionStringBuilder();
        try
        {
            pairs.ConnectionString = location;
        }
        catch (ArgumentException)
        {
            why = "it is not Keyword=value pairs separated by ';' (a value with ';' or '=' in it is quoted: Password=\"…\")";
            return null;
        }

        if (pairs.Count == 0)
        {
            why = "it has no keyword";
            return null;
        }

        var builder = new NpgsqlConnectionStringBuilder();
        foreach (string key in pairs.Keys)
        {
            if (!builder.ContainsKey(key))
            {
                why = $"'{Name(key)}' is not a keyword Npgsql knows";
                return null;
            }
        }

        meant = true;
        foreach (string key in pairs.Keys)
        {
            try
            {
                builder[key] = pairs[key];
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                why = $"the value of '{Name(key)}' is not valid";
                return null;
            }
        }

        // The store's description shows the host: one with '=', a space or a line break in it is a missing ';' that would
        // show what follows (Host=db Password=…). Several hosts are comma-separated, each a name (and a port).
        if (builder.Host is { } host && host.Any(c => c == '=' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            why = "the value of 'Host' is not a host name (it has '=', a space or a line break in it: is a ';' missing?)";
            return null;
        }

        try
        {
            // What Npgsql checks of the whole when the store makes its data source (a Host, pool sizes that fit, …);
            // nothing connects.
            NpgsqlDataSource.Create(builder.ConnectionString).Dispose();
        }
        catch (ArgumentException ex)
        {
            why = ex is ArgumentNullException && ex.ParamName is { Length: > 0 } missing
                ? $"it has no '{TerminalText.Escape(missing)}'"
                : $"Npgsql refuses its settings together{(ex.ParamName is { Length: > 0 } name ? $" ('{TerminalText.Escape(name)}')" : "")}";
            return null;
        }

        why = "";
        return builder;
    }

    private static string Name(string key) => TerminalText.Escape(key.Length > 40 ? key[..40] + "…" : key) ?? "";

    private static bool IsUrl(string location)
    {
        var text = location.TrimStart();
        return text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A "path" that is surely a connection string gone wrong: <c>=</c> and <c>;</c>, or a password keyword.</summary>
    private static bool LooksLikeConnectionString(string location) =>
        (location.Contains('=', StringComparison.Ordinal) && location.Contains(';', StringComparison.Ordinal))
        || PasswordKeyword().IsMatch(location);

    [GeneratedRegex(@"(^|;)\s*(password|pwd)\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordKeyword();
}
