using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// Holds the credential in effect and rotates it without a restart: from a configuration reload
/// (<see cref="IOptionsMonitor{TOptions}"/>) or from <see cref="Rotate"/> (the admin path used by
/// <c>auth0-mcp credentials rotate</c>). The most recent change wins. Each change raises
/// <see cref="IAuth0CredentialEvents.CredentialRotated"/>.
/// </summary>
public sealed class Auth0CredentialStore : IDisposable
{
    /// <summary>The <see cref="Auth0CredentialSnapshot.Source"/> of the credential the options gave at start.</summary>
    internal const string FromConfiguration = "configuration";

    /// <summary>The <see cref="Auth0CredentialSnapshot.Source"/> of a credential the options gave when they were reloaded.</summary>
    internal const string FromConfigurationReload = "configuration-reload";

    private readonly Lock _gate = new();
    private readonly IAuth0CredentialEvents[] _events;
    private readonly TimeProvider _time;
    private readonly IDisposable? _subscription;
    private Auth0CredentialSnapshot _current;
    private Auth0CredentialSnapshot _lastFromOptions;

    /// <summary>Creates the store from the current options and follows their reloads.</summary>
    public Auth0CredentialStore(IOptionsMonitor<Auth0ConnectionOptions> options, IEnumerable<IAuth0CredentialEvents> events, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _events = [.. events ?? []];
        _time = time ?? TimeProvider.System;
        _current = _lastFromOptions = FromOptions(options.CurrentValue, 1, FromConfiguration);
        _subscription = options.OnChange((o, name) =>
        {
            if (string.IsNullOrEmpty(name) || name == Options.DefaultName)
            {
                OnOptionsChanged(o);
            }
        });
    }

    /// <summary>The credential in effect now.</summary>
    public Auth0CredentialSnapshot Current => Volatile.Read(ref _current);

    /// <summary>
    /// Replaces the credential; the next call uses it. Members of <paramref name="update"/> left null keep their value.
    /// </summary>
    /// <param name="update">The new token and/or client id and secret.</param>
    /// <param name="source">Who asked, for the audit record (e.g. <c>admin:alice</c>); never a secret.</param>
    /// <returns>The new snapshot.</returns>
    public Auth0CredentialSnapshot Rotate(Auth0CredentialUpdate update, string source = "admin")
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Auth0CredentialSnapshot previous, next;
        lock (_gate)
        {
            previous = _current;
            next = new Auth0CredentialSnapshot(
                previous.Version + 1,
                previous.Domain,
                update.Token ?? previous.Token,
                update.ClientId ?? previous.ClientId,
                update.ClientSecret ?? previous.ClientSecret,
                _time.GetUtcNow(),
                source);
            Volatile.Write(ref _current, next);
        }

        Raise(previous, next);
        return next;
    }

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();

    private void OnOptionsChanged(Auth0ConnectionOptions options)
    {
        Auth0CredentialSnapshot previous, next;
        lock (_gate)
        {
            var candidate = FromOptions(options, _current.Version + 1, FromConfigurationReload);

            // Reloads fire for unrelated settings too (and often twice): only a changed credential rotates.
            if (candidate.SameMaterial(_lastFromOptions))
            {
                return;
            }

            _lastFromOptions = candidate;
            previous = _current;
            next = candidate;
            Volatile.Write(ref _current, next);
        }

        Raise(previous, next);
    }

    private Auth0CredentialSnapshot FromOptions(Auth0ConnectionOptions o, long version, string source) =>
        new(version, o.Domain, o.Token, o.ClientId, o.ClientSecret, _time.GetUtcNow(), source);

    private void Raise(Auth0CredentialSnapshot previous, Auth0CredentialSnapshot next)
    {
        var rotation = new Auth0CredentialRotation(previous.Version, next.Version, previous.Kind, next.Kind, next.ClientId, next.Source, next.Since);
        foreach (var sink in _events)
        {
            try
            {
                sink.CredentialRotated(rotation);
            }
#pragma warning disable CA1031 // An audit sink must not break a rotation.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    internal void RaiseIssued(Auth0TokenIssued issued)
    {
        foreach (var sink in _events)
        {
            try
            {
                sink.TokenIssued(issued);
            }
#pragma warning disable CA1031
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    internal void RaiseFailed(Auth0TokenFailure failure)
    {
        foreach (var sink in _events)
        {
            try
            {
                sink.TokenRequestFailed(failure);
            }
#pragma warning disable CA1031
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
