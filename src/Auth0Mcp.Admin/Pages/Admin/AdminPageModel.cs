using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>The base of every console page: the console services, the admin's identity, and change handling.</summary>
internal abstract class AdminPageModel : PageModel
{
    private AdminConsole? _console;

    protected AdminConsole Console => _console ??= HttpContext.RequestServices.GetRequiredService<AdminConsole>();

    protected ToolGovernance Governance => Console.Governance;

    /// <summary>The signed-in administrator, as audit records name them.</summary>
    public string Actor => AdminAuthentication.Actor(User);

    /// <summary>
    /// Makes one change through the governance services and redirects (post/redirect/get) with its outcome: the
    /// message on success, or the governance error (nothing changed) as an alert.
    /// </summary>
    protected async Task<IActionResult> ChangeAsync(Func<Task<string>> change, string? page = null, object? routeValues = null)
    {
        try
        {
            TempData["Message"] = await change().ConfigureAwait(false);
        }
        catch (GovernanceException ex)
        {
            TempData["Error"] = ex.Message;
        }

        return page is null ? RedirectToPage(routeValues) : RedirectToPage(page, routeValues);
    }
}
