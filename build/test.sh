#!/usr/bin/env bash
# Builds everything and runs every test: the one command for people and CI (`bash build/test.sh`).
# Installs what the tests need by itself: the pinned npm peers (tests/peers: Prism, the MCP TypeScript SDK client, the
# conformance suite, Auth0's official server, the OpenAPI corpus), the pinned spec and the one before it that the tests
# diff against (build/fetch-spec.sh, tests/older-spec.pin.props: ../shared is only an offline cache), a local PostgreSQL (build/postgres.sh, Debian's package) for the storage tests, Chromium for
# the console's browser tests, and clang + zlib1g-dev for the Native AOT publish whose executable the server's
# end-to-end tests run against a second time (gdb for its start-up type check; AUTH0_MCP_AOT=0 skips that step), and podman (or docker) for the
# container image built from that executable (AUTH0_MCP_CONTAINER=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
here="$(pwd)"
logs="$here/artifacts/logs"; mkdir -p "$logs"   # per checkout: concurrent runs never mix logs

echo "== installing test peers (tests/peers, npm ci; idempotent, the first run takes a few minutes)"
bash tests/peers/install.sh --corpus > "$logs/peers-install.log" 2>&1 || { cat "$logs/peers-install.log" >&2; exit 1; }
tail -n 1 "$logs/peers-install.log"

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Chromium for the admin console's browser tests (Debian's package)"
  if [ "$(id -u)" -eq 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } > "$logs/chromium-install.log" 2>&1 \
      || { cat "$logs/chromium-install.log" >&2; exit 1; }
  else
    echo "error: the browser tests need Debian's chromium package: sudo apt-get install -y chromium" >&2; exit 1
  fi
fi

# A failing script's output is never eval'd as if it had succeeded (bash does not check a substitution inside eval).
echo "== the pinned spec"
spec_env="$(bash build/fetch-spec.sh)" || { echo "error: build/fetch-spec.sh could not provide the pinned spec" >&2; exit 1; }
eval "$spec_env"
export AUTH0_MCP_SPEC
# The spec before it, which the spec-update and catalogue-diff tests diff against (tests/older-spec.pin.props).
older_env="$(bash build/fetch-spec.sh --pin tests/older-spec.pin.props --export AUTH0_MCP_OLDER_SPEC)" \
  || { echo "error: build/fetch-spec.sh could not provide the older spec the tests diff against" >&2; exit 1; }
eval "$older_env"
export AUTH0_MCP_OLDER_SPEC

# The packages the tests pack carry the commit's time instead of the clock's (NuGet's pack reads SOURCE_DATE_EPOCH as
# its DeterministicTimestamp), so one commit packs to the same bytes (docs/packages.md, "Reproducible packages").
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --pretty=%ct 2>/dev/null || true)}"

# Native AOT needs clang and zlib1g-dev (Debian's packages), and its start-up type check gdb; AUTH0_MCP_AOT=0 skips
# the AOT step.
if [ "${AUTH0_MCP_AOT:-1}" != 0 ] && { ! command -v clang >/dev/null 2>&1 || ! command -v gdb >/dev/null 2>&1 || [ ! -f /usr/include/zlib.h ]; }; then
  echo "== installing clang, zlib1g-dev and gdb for the Native AOT publish and its checks (Debian's packages)"
  if [ "$(id -u)" -eq 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev gdb; } > "$logs/aot-install.log" 2>&1 \
      || { cat "$logs/aot-install.log" >&2; exit 1; }
  else
    echo "error: the Native AOT publish needs clang, zlib1g-dev and gdb: sudo apt-get install -y clang zlib1g-dev gdb (or AUTH0_MCP_AOT=0)" >&2; exit 1
  fi
fi

if [ -f build/postgres.sh ]; then
  echo "== starting PostgreSQL for the storage tests"
  # Without it the PostgreSQL tests would skip themselves: a start that fails stops the run instead.
  pg_env="$(bash build/postgres.sh)" || { echo "error: build/postgres.sh could not start PostgreSQL" >&2; exit 1; }
  eval "$pg_env"
  [ -n "${AUTH0_MCP_TEST_POSTGRES:-}" ] || { echo "error: build/postgres.sh gave no AUTH0_MCP_TEST_POSTGRES" >&2; exit 1; }
  export AUTH0_MCP_TEST_POSTGRES
fi

# Prints a test log's counts and, for each failed test, its name and message (up to the stack trace, at most 25 lines).
summarize() {
  awk '/^[[:space:]]*Failed [A-Za-z]/ { print; next }
       /Error Message:/ { msg = 1; n = 0; print; next }
       msg && (/Stack Trace:/ || /^[[:space:]]*(Passed|Failed|Skipped) [A-Za-z]/ || ++n > 25) { msg = 0 }
       msg { print; next }
       /Total tests|^[[:space:]]*(Passed|Failed|Skipped): / { print }' "$1" || true
}

echo "== build"
# Auth0McpPackageBuild: the generated API's XML documentation too, which the packaging tests' `pack --no-build` ships.
dotnet build Auth0Mcp.Sdk.sln -c Release -nologo -clp:ErrorsOnly -p:Auth0McpPackageBuild=true

# Runs `dotnet test ARGS` (Release, already built) into $logs/NAME.log, prints each failure's message and the
# counts, and adds them to the totals; a non-zero exit without a failed test prints the log's end.
passed=0; failed=0; skipped=0; status=0
run_tests() {
  local name="$1"; shift
  local log="$logs/$name.log" code p f s
  set +e
  dotnet test "$@" -c Release --no-build -nologo --logger "console;verbosity=normal" > "$log" 2>&1
  code=$?
  set -e
  summarize "$log"
  p=$(count "$log" Passed); f=$(count "$log" Failed); s=$(count "$log" Skipped)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$code" -ne 0 ]; then
    status=1
    if [ "$f" -eq 0 ]; then echo "dotnet test exited $code without a failing test; its log:" >&2; tail -n 60 "$log" >&2; fi
  fi
}
count() { { grep -aEo "^\s*$2: +[0-9]+" "$1" || true; } | awk '{s+=$2} END {print s+0}'; }

echo "== test"
# The container image's tests run in their own step below, against the image built there.
run_tests test Auth0Mcp.Sdk.sln --filter "Category!=Container&Category!=NativeAot"

# The MCP conformance suite against `auth0-mcp serve --http`, with the baseline of scenarios a tools-only server does
# not implement (tests/conformance-baseline.yml): one test, failing on a new failure or on a stale baseline entry.
echo "== MCP conformance suite (build/conformance.sh)"
if bash build/conformance.sh > "$logs/conformance.log" 2>&1; then
  passed=$((passed + 1)); tail -n 1 "$logs/conformance.log"
else
  failed=$((failed + 1)); status=1; echo "conformance FAILED; its log:" >&2; tail -n 60 "$logs/conformance.log" >&2; tail -n 60 build/out/conformance.log >&2 || true
fi

# The soak's short form (docs/reliability.md: 1,000 calls under faults, a SIGKILL and a restart; `bash build/soak.sh`
# runs the full 10,000). It counts as one test: it fails when a record is lost or misattributed, an unapproved call
# ran, a planted secret leaked, or the chain does not verify.
echo "== soak (short form: 1,000 calls)"
if bash build/soak.sh 1000 > "$logs/soak.log" 2>&1; then
  passed=$((passed + 1)); tail -n 12 "$logs/soak.log"
else
  failed=$((failed + 1)); status=1; echo "soak FAILED; its log:" >&2; tail -n 60 "$logs/soak.log" >&2
fi

# Native AOT: publish the server (warning-free) and run its end-to-end tests (the ones that start the executable)
# again, this time against the native binary (tests/Auth0Mcp.Server.Tests: Repo.NativeServer).
if [ "${AUTH0_MCP_AOT:-1}" != 0 ]; then
  echo "== Native AOT publish (build/publish-aot.sh) and the server's end-to-end tests on the native executable"
  if native="$(bash build/publish-aot.sh "$here/artifacts/aot" 2> "$logs/aot-publish.log")"; then
    e2e="FullyQualifiedName~GovernanceStdioTests|FullyQualifiedName~StdioPrismTests|FullyQualifiedName~ClientPeerTests|FullyQualifiedName~CallApprovalTests|FullyQualifiedName~ArgumentPolicyTests|FullyQualifiedName~DurabilityTests|FullyQualifiedName~StoreFaultTests|FullyQualifiedName~MalformedJsonRpcStdioTests|FullyQualifiedName~SecretLeakEndToEndTests|FullyQualifiedName~UndisclosedDenial|FullyQualifiedName~StdinEndTests|FullyQualifiedName~StartupHugePagesTests|Category=NativeAot"
    AUTH0_MCP_TEST_SERVER="$native" run_tests test-aot tests/Auth0Mcp.Server.Tests --filter "$e2e"
    # One check, counted as one test: start-up (governance on, up to the first tools/list page) and a first tools/call
    # build no generic type at run time; each one missing from src/Auth0Mcp.Server/AotStartupTypes.rd.xml fails it by name.
    if bash build/aot-startup-types.sh "$native" > "$logs/aot-startup-types.log" 2>&1; then
      passed=$((passed + 1)); tail -n 1 "$logs/aot-startup-types.log"
    else
      failed=$((failed + 1)); status=1; echo "Native AOT start-up type check FAILED:" >&2; cat "$logs/aot-startup-types.log" >&2
    fi
  else
    native=""; failed=$((failed + 1)); status=1; echo "Native AOT publish FAILED; its log:" >&2; tail -n 60 "$logs/aot-publish.log" >&2
  fi
fi

# The container image (the root's Dockerfile) from that executable, run by tests/Auth0Mcp.Server.Tests'
# ContainerImageTests: the app user, a read-only root, the store and rotated credentials on the volume. This machine
# cannot pull the chiseled base, so the image is built on a stand-in with the same package set (build/container.sh
# --standin-base); AUTH0_MCP_CONTAINER_BASE=registry builds on the real base instead (the GitHub workflow does).
# Needs docker or podman (installed from Debian's packages when missing); AUTH0_MCP_CONTAINER=0 skips.
if [ "${AUTH0_MCP_AOT:-1}" != 0 ] && [ "${AUTH0_MCP_CONTAINER:-1}" != 0 ] && [ -n "${native:-}" ]; then
  echo "== container image (build/container.sh --standin-base) and its tests"
  if ! docker info >/dev/null 2>&1 && ! { command -v podman >/dev/null && command -v runc >/dev/null; }; then
    if [ "$(id -u)" -eq 0 ]; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc; } \
        > "$logs/container-install.log" 2>&1 || { cat "$logs/container-install.log" >&2; exit 1; }
    else
      echo "error: the container tests need docker or podman: sudo apt-get install -y podman runc (or AUTH0_MCP_CONTAINER=0)" >&2; exit 1
    fi
  fi
  if docker info >/dev/null 2>&1; then engine=docker; else engine=podman; fi
  # runc rather than crun (crun refuses hybrid cgroup hierarchies) and limits no higher than this machine allows.
  options="--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
  base_flag=--standin-base; [ "${AUTH0_MCP_CONTAINER_BASE:-standin}" = registry ] && base_flag=""
  if image="$(bash build/container.sh $base_flag --tag auth0-mcp:test "$native" 2> "$logs/container-build.log")"; then
    AUTH0_MCP_TEST_IMAGE="$image" AUTH0_MCP_TEST_CONTAINER_ENGINE="$engine" AUTH0_MCP_TEST_CONTAINER_OPTIONS="$options" \
      run_tests test-container tests/Auth0Mcp.Server.Tests --filter "Category=Container"
  else
    failed=$((failed + 1)); status=1; echo "container image build FAILED; its log:" >&2; tail -n 60 "$logs/container-build.log" >&2
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
# In CI every peer, PostgreSQL and the browser are installed above, so a test that skips itself hides a missing piece.
if [ "${CI:-}" = true ] && [ "$skipped" -ne 0 ]; then
  echo "error: $skipped test(s) skipped under CI=true, where nothing they need may be missing (grep -a 'Skipped ' $logs/*.log)" >&2
  status=1
fi
exit "$status"
