using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.WebUtilities;

namespace Auth0Mcp.Admin;

/// <summary>
/// The console's sessions, kept in this process (the cookie's <c>SessionStore</c>): the cookie carries only a random
/// session id (256 bits, data-protected like the rest of the cookie), and the session itself lives here. Signing out,
/// or a session that <see cref="AdminAuthentication.ValidateSessionAsync"/> ends, removes it, so a copy of the cookie
/// taken before is worth nothing afterwards; a restart of the console ends every session.
/// </summary>
internal sealed class AdminSessionStore(TimeProvider time) : ITicketStore
{
    private readonly ConcurrentDictionary<string, AuthenticationTicket> _sessions = new(StringComparer.Ordinal);

    /// <summary>How many sessions are open (tests).</summary>
    public int Count => _sessions.Count;

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        RemoveExpired();
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        _sessions[id] = ticket;
        return Task.FromResult(id);
    }

    /// <summary>
    /// Renews a session still open; one removed meanwhile (signed out on another request) stays removed. Only the
    /// same sign-in is renewed (<see cref="AdminAuthentication.SameSignIn"/>: subject, method, sign-in time, key or
    /// authority): the ticket of another sign-in is never put under an existing id (a sign-in over a session the
    /// browser already has would keep that session's id, which someone else may know: session fixation), and the
    /// session asked for is ended instead. (Sign-in stores a new session: <see cref="AdminAuthentication.SignInNewSessionAsync"/>.)
    /// </summary>
    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (_sessions.TryGetValue(key, out var current))
        {
            if (AdminAuthentication.SameSignIn(current.Principal, ticket.Principal))
            {
                _sessions.TryUpdate(key, ticket, current);
            }
            else
            {
                _sessions.TryRemove(KeyValuePair.Create(key, current));
            }
        }

        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        if (!_sessions.TryGetValue(key, out var ticket))
        {
            return Task.FromResult<AuthenticationTicket?>(null);
        }

        if (Expired(ticket))
        {
            _sessions.TryRemove(key, out _);
            return Task.FromResult<AuthenticationTicket?>(null);
        }

        return Task.FromResult<AuthenticationTicket?>(ticket);
    }

    public Task RemoveAsync(string key)
    {
        _sessions.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private bool Expired(AuthenticationTicket ticket) => ticket.Properties.ExpiresUtc is { } expires && expires <= time.GetUtcNow();

    // Sessions nobody signed out of leave when they have expired (at most the session lifetime after their last renewal: the cookie's).
    private void RemoveExpired()
    {
        foreach (var (key, ticket) in _sessions)
        {
            if (Expired(ticket))
            {
                _sessions.TryRemove(key, out _);
            }
        }
    }
}
