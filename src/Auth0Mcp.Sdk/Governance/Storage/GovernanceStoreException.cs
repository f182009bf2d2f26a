namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The governance store could not do what was asked (disk full, locked by another process, unreadable,
/// read-only, missing directory, corrupt data, unreachable server, unusable audit key or checkpoint file). Every
/// store operation throws this and nothing else for a fault of the store, so callers fail closed in one place:
/// the call path refuses the call, the command line prints <see cref="Exception.Message"/> and exits with code 2.
/// </summary>
/// <remarks>
/// The message names the store by its <see cref="IGovernanceStore.Description"/> (never a password) and says what
/// failed; the provider's exception is the <see cref="Exception.InnerException"/>.
/// </remarks>
public sealed class GovernanceStoreException : Exception
{
    /// <summary>Creates the exception for the store described by <paramref name="storeDescription"/>.</summary>
    public GovernanceStoreException(string storeDescription, string problem, Exception? innerException = null)
        : base($"governance store {storeDescription}: {problem}", innerException)
    {
        StoreDescription = storeDescription;
    }

    /// <summary>Creates the exception.</summary>
    public GovernanceStoreException()
        : this("(unknown)", "failed")
    {
    }

    /// <summary>Creates the exception.</summary>
    public GovernanceStoreException(string message)
        : this("(unknown)", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GovernanceStoreException(string message, Exception innerException)
        : this("(unknown)", message, innerException)
    {
    }

    /// <summary>The store's <see cref="IGovernanceStore.Description"/>.</summary>
    public string StoreDescription { get; }

    /// <summary>The first <see cref="GovernanceStoreException"/> in <paramref name="exception"/> or its inner exceptions.</summary>
    public static GovernanceStoreException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is GovernanceStoreException store)
            {
                return store;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                return aggregate.InnerExceptions.Select(Find).FirstOrDefault(x => x is not null);
            }
        }

        return null;
    }
}
