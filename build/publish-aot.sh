#!/usr/bin/env bash
# The Native AOT server: dotnet publish -r linux-x64 -p:PublishAot=true into build/out/aot (or $1), warning-free
# (the build treats warnings as errors). Needs clang and zlib1g-dev (build/test.sh installs them on Debian).
# The admin console (Razor Pages) is not in this build; everything else is. Prints the executable's path, and writes
# auth0-mcp.stamp beside it: what it was built from (build/aot-stamp.sh), which build/container.sh checks before
# putting it into an image.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/out/aot}"
eval "$(bash build/fetch-spec.sh)"
for tool in clang; do
  command -v "$tool" >/dev/null || { echo "publish-aot: $tool is missing (Debian: apt-get install clang zlib1g-dev)" >&2; exit 2; }
done
stamp="$(bash build/aot-stamp.sh)"   # the tree as the publish starts reading it
rm -f "$out/auth0-mcp.stamp"
echo "== Native AOT publish -> $out (a few minutes: ILC compiles every generated tool)" >&2
dotnet publish src/Auth0Mcp.Server -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo -clp:ErrorsOnly >&2
printf '%s\n' "$stamp" > "$out/auth0-mcp.stamp"
ls -l "$out/auth0-mcp" >&2
echo "$(cd "$out" && pwd)/auth0-mcp"
