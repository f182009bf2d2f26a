using Microsoft.Extensions.Options;

namespace Auth0Mcp.Admin;

/// <summary>Validates <see cref="AdminConsoleOptions"/> at start, with every problem in the message.</summary>
internal sealed class AdminConsoleOptionsValidator : IValidateOptions<AdminConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminConsoleOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
