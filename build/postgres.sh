#!/usr/bin/env bash
# Installs (Debian: apt-get install postgresql) and starts a local PostgreSQL server on 127.0.0.1 for the
# governance store tests, creates a role and a database, and prints the connection string.
# Idempotent: a second run finds everything in place and only makes sure the server is running.
# Run as root. Usage:
#   eval "$(bash build/postgres.sh)"      # exports AUTH0_MCP_TEST_POSTGRES into the current shell
#   bash build/postgres.sh                # prints the export line (progress goes to stderr)
# Settings (env): PG_PORT (5432), PG_DB (auth0mcp_test), PG_USER (auth0mcp), PG_PASSWORD (auth0mcp).
set -euo pipefail

PG_PORT="${PG_PORT:-5432}"
PG_DB="${PG_DB:-auth0mcp_test}"
PG_USER="${PG_USER:-auth0mcp}"
PG_PASSWORD="${PG_PASSWORD:-auth0mcp}"
CLUSTER=main

log() { echo "postgres.sh: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "run as root (it installs packages and starts the server as the postgres user)"
  exit 1
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
  # UTF8 whatever the locale (a POSIX one would make SQL_ASCII databases, which the governance store refuses).
  log "creating cluster $VERSION/$CLUSTER on port $PG_PORT"
  pg_createcluster --encoding UTF8 --port "$PG_PORT" "$VERSION" "$CLUSTER" >&2
fi

CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
# Listen on loopback only, on the chosen port.
sed -i -E "s/^#?listen_addresses\s*=.*/listen_addresses = '127.0.0.1'/" "$CONF_DIR/postgresql.conf"
sed -i -E "s/^#?port\s*=.*/port = $PG_PORT/" "$CONF_DIR/postgresql.conf"

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [ "$STATUS" != "online" ]; then
  log "starting cluster $VERSION/$CLUSTER"
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

# Wait until it accepts connections (at most ~30 s).
for _ in $(seq 1 60); do
  if su postgres -c "pg_isready -q -h 127.0.0.1 -p $PG_PORT"; then break; fi
  sleep 0.5
done
su postgres -c "pg_isready -h 127.0.0.1 -p $PG_PORT" >&2

psql_admin() { su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -tAq $*"; }

if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'\"")" != "1" ]; then
  log "creating role $PG_USER"
  psql_admin "-c \"CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD' CREATEDB\""
fi
# CREATEROLE: the privilege tests make roles that may only read, or only read and write rows (dropped after).
psql_admin "-c \"ALTER ROLE $PG_USER CREATEDB CREATEROLE\""
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname = '$PG_DB'\"")" != "1" ]; then
  log "creating database $PG_DB"
  psql_admin "-c \"CREATE DATABASE $PG_DB OWNER $PG_USER\""
fi

CONN="Host=127.0.0.1;Port=$PG_PORT;Username=$PG_USER;Password=$PG_PASSWORD;Database=$PG_DB"
log "ready: $CONN"
echo "export AUTH0_MCP_TEST_POSTGRES=\"$CONN\""
