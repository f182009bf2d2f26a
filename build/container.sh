#!/usr/bin/env bash
# Builds the container image from the Dockerfile at the root: the Native AOT executable on the chiseled runtime-deps
# base. Usage: bash build/container.sh [--standin-base | --base IMAGE] [--tag NAME] [EXECUTABLE]
#   EXECUTABLE      a Native AOT auth0-mcp already published (its libe_sqlite3.so beside it), used as given; default:
#                   build/out/aot, published again by build/publish-aot.sh unless its auth0-mcp.stamp says it was
#                   built from this tree (build/aot-stamp.sh: the commit, the uncommitted changes, the pinned spec)
#   --tag NAME      the image's name (default auth0-mcp:local)
#   --base IMAGE    another base (a mirror, or a newer release of the same kind; the Dockerfile's BASE_IMAGE)
#   --standin-base  for machines without registry access (this project's CI): instead of pulling
#                   mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled, build a stand-in base with the same
#                   package set (glibc, libgcc, libstdc++, OpenSSL 3, zlib, the CA certificates; the app user 1654 with
#                   its home) from this machine's Debian packages. For tests only: ship images on the real base.
# Uses docker when its daemon answers, else podman (Debian: apt-get install podman). Prints the image's name.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=auth0-mcp:local; standin=0; base=""; exe=""
while [ $# -gt 0 ]; do
  case "$1" in
    --standin-base) standin=1 ;;
    --tag|--base)
      [ $# -ge 2 ] || { echo "container: $1 needs a value" >&2; exit 2; }
      if [ "$1" = --tag ]; then tag="$2"; else base="$2"; fi
      shift ;;
    -*) echo "container: unknown option $1 (usage: build/container.sh [--standin-base | --base IMAGE] [--tag NAME] [EXECUTABLE])" >&2; exit 2 ;;
    *) exe="$1" ;;
  esac
  shift
done
[ "$standin" = 0 ] || [ -z "$base" ] || { echo "container: --standin-base and --base exclude each other" >&2; exit 2; }

if docker info >/dev/null 2>&1; then engine=docker
elif command -v podman >/dev/null 2>&1; then engine=podman
else echo "container: needs docker (with its daemon running) or podman (Debian: apt-get install podman)" >&2; exit 2
fi

# The publish the Dockerfile copies: build/out/aot (the .dockerignore lets nothing else in). Its stamp says what it was
# built from; an executable from another commit, other uncommitted changes or another spec is published again (before,
# any executable there went into the image, however old).
mkdir -p build/out/aot
if [ -n "$exe" ]; then
  [ -x "$exe" ] && [ -f "$(dirname "$exe")/libe_sqlite3.so" ] || { echo "container: $exe is not a published auth0-mcp with libe_sqlite3.so beside it" >&2; exit 2; }
  if [ "$(realpath "$exe")" != "$(realpath -m build/out/aot/auth0-mcp)" ]; then
    rm -f build/out/aot/auth0-mcp.stamp
    cp "$exe" "$(dirname "$exe")/libe_sqlite3.so" build/out/aot/
    if [ -f "$(dirname "$exe")/auth0-mcp.stamp" ]; then cp "$(dirname "$exe")/auth0-mcp.stamp" build/out/aot/; fi
  fi
else
  current="$(bash build/aot-stamp.sh)"
  if [ ! -x build/out/aot/auth0-mcp ]; then
    bash build/publish-aot.sh build/out/aot >/dev/null
  elif [ ! -f build/out/aot/auth0-mcp.stamp ] || [ "$(cat build/out/aot/auth0-mcp.stamp)" != "$current" ] || [[ "$current" == *unknown* ]]; then
    was="no auth0-mcp.stamp beside it"
    [ ! -f build/out/aot/auth0-mcp.stamp ] || was="its stamp: $(head -n 2 build/out/aot/auth0-mcp.stamp | tr '\n' ' ')"
    echo "container: build/out/aot/auth0-mcp was not built from this tree ($was); publishing again" >&2
    bash build/publish-aot.sh build/out/aot >/dev/null
  fi
fi
# The image's org.opencontainers.image.revision: the commit the executable was built from (-dirty: with uncommitted
# changes), from its stamp; unknown for an executable without one.
revision=unknown
if [ -f build/out/aot/auth0-mcp.stamp ]; then
  revision="$(sed -n 's/^commit //p' build/out/aot/auth0-mcp.stamp)"
  if grep -q '^tree dirty' build/out/aot/auth0-mcp.stamp; then revision="$revision-dirty"; fi
  if grep -q '^tree unknown' build/out/aot/auth0-mcp.stamp; then revision=unknown; fi
fi

# The default base is Ubuntu 24.04 (glibc 2.39): an executable linked on a newer distribution would not start in it.
if [ "$standin" = 0 ] && [ -z "$base" ] && command -v objdump >/dev/null; then
  needs="$(objdump -T build/out/aot/auth0-mcp build/out/aot/libe_sqlite3.so | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
  if [ "$(printf '%s\n2.39\n' "$needs" | sort -V | tail -n 1)" != 2.39 ]; then
    echo "container: the executable needs glibc $needs, newer than the base's 2.39 (Ubuntu 24.04): publish it on an older distribution, or name a newer base with --base" >&2
    exit 1
  fi
fi

build_args=()
[ -z "$base" ] || build_args=(--build-arg "BASE_IMAGE=$base")
build_args+=(--build-arg "REVISION=$revision")
if [ "$standin" = 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "container: --standin-base needs root (its files are owned by root and the app user)" >&2; exit 2; }
  command -v apt-get >/dev/null || { echo "container: --standin-base needs apt-get (Debian or Ubuntu)" >&2; exit 2; }
  standin_image=localhost/auth0-mcp-standin-base:runtime-deps
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  echo "== stand-in base $standin_image from Debian packages" >&2
  (cd "$work" && apt-get download libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates >/dev/null 2>&1 \
     && { apt-get download libssl3t64 >/dev/null 2>&1 || apt-get download libssl3 >/dev/null 2>&1; }) \
    || { echo "container: apt-get download failed (run apt-get update?)" >&2; exit 1; }
  root="$work/root"; mkdir -p "$root"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  # What a chiseled image leaves out: documentation, manual pages, the packages' admin tools, debugger and compiler data.
  rm -rf "$root"/usr/share/{doc,man,lintian,gdb,gcc} "$root"/usr/sbin "$root"/sbin "$root"/etc/ca-certificates
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/app"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:1654:1654::/home/app:/usr/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' > "$root/etc/group"
  chmod 1777 "$root/tmp"; chown 1654:1654 "$root/home/app"
  tar --numeric-owner -C "$root" -cf "$work/rootfs.tar" .
  $engine import --change 'ENV APP_UID=1654' --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
    "$work/rootfs.tar" "$standin_image" >/dev/null 2> "$work/import.log" || { cat "$work/import.log" >&2; exit 1; }
  build_args=(--build-arg "BASE_IMAGE=$standin_image" --build-arg "REVISION=$revision")
  [ "$engine" = podman ] && build_args+=(--pull=never)
fi

echo "== $engine build -t $tag" >&2
if ! $engine build -q "${build_args[@]}" -t "$tag" . >&2; then
  [ "$standin" = 1 ] || echo "container: no access to the base image's registry? --standin-base builds a stand-in for tests" >&2
  exit 1
fi
echo "$tag"
