using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>Ends the console session: it leaves the server's session store, so no copy of the cookie opens it again.</summary>
internal sealed class SignOutModel : AdminPageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var session = await HttpContext.AuthenticateAsync(AdminAuthentication.CookieScheme);
        await HttpContext.SignOutAsync(AdminAuthentication.CookieScheme);
        if (session.Principal is { } user)
        {
            await Governance.RecordAdminEventAsync(AdminAuthentication.Actor(user), "admin.signout", null, null, cancellationToken);
        }

        return Redirect(AdminConsole.PathPrefix + "/signin");
    }
}
