using Auth0Mcp.Server;

return await Cli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
