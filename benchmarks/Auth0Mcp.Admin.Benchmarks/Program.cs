using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Auth0Mcp.Admin.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Auth0Mcp.Admin.Benchmarks.AdminPageBenchmarks).Assembly).Run(args);
