using System.Net;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>Sign-in: a link to the OIDC authority, and an API-key form for loopback connections.</summary>
internal sealed class SignInModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary><c>oidc</c> when the identity provider's sign-in failed (<see cref="AdminAuthentication.OidcFailedAsync"/>).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Failed { get; set; }

    public string? Error { get; private set; }

    public bool OidcEnabled => Console.Options.Oidc.IsConfigured;

    public bool KeysEnabled => Console.Options.ApiKeys.Count > 0 && IsLoopback;

    // A loopback peer that forwards for someone else (a reverse proxy on this machine) is not a local user.
    private bool IsLoopback => HttpContext.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip) && !AdminAuthentication.IsForwarded(HttpContext.Request);

    public void OnGet()
    {
        if (Failed == "oidc")
        {
            Error = "Sign-in with the identity provider failed (the attempt is in the audit).";
        }
    }

    public async Task<IActionResult> OnPostAsync(string? key, CancellationToken cancellationToken)
    {
        if (!KeysEnabled)
        {
            Error = "API-key sign-in is only available on a loopback connection.";
            return Page();
        }

        var match = string.IsNullOrEmpty(key) ? null : AdminAuthentication.MatchKey(Console.Options.ApiKeys, key);
        if (match is null)
        {
            // Anyone on this machine can post the form: at most 10 recorded a minute, the rest counted.
            await AdminAuthentication.SignInFailedAsync(HttpContext, SignInMethod.ApiKey, recordable: true, "no such key");
            Error = "That key is not valid.";
            return Page();
        }

        await AdminAuthentication.SignInNewSessionAsync(HttpContext, AdminAuthentication.Principal(match.User, match.Groups, "apikey", Governance, HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), match.Key));
        await Governance.RecordAdminEventAsync(match.User, "admin.signin", null, $"api key {Sdk.Governance.ApiKeyFingerprint.Of(match.Key)}; groups: {string.Join(", ", match.Groups)}", cancellationToken);
        return LocalRedirect(ReturnUrl is { } r && Url.IsLocalUrl(r) && r.StartsWith(AdminConsole.PathPrefix, StringComparison.Ordinal) ? r : AdminConsole.PathPrefix);
    }
}
