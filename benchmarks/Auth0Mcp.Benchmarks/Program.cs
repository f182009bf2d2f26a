using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Auth0Mcp.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Auth0Mcp.Benchmarks.GovernanceCallBenchmarks).Assembly).Run(args);
