# auth0-mcp as a container image: the Native AOT executable on a chiseled Ubuntu base (no shell, no package manager,
# runs as the non-root "app" user). Built from the publish, not inside the image, so the spec pin and its check stay
# where they are (docs/packages.md, "Native AOT and the container image"):
#   bash build/container.sh              # publishes (build/publish-aot.sh) if needed, then builds auth0-mcp:local
#   docker run -i --rm -e AUTH0_DOMAIN -e AUTH0_TOKEN -e AUTH0_MCP_USER=alice -v auth0-mcp:/data auth0-mcp:local serve
# BASE_IMAGE names another registry or mirror of the same base (it must provide glibc, OpenSSL 3, the CA
# certificates and the app user whose id is APP_UID, as the runtime-deps images do). The default is a tag, which
# Microsoft moves to each patched release (security fixes reach a rebuild without an edit here); for an image built
# from exactly known bytes, name the digest: build/container.sh --base
# mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled@sha256:<digest> (docs/packages.md says how to read it).
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
FROM ${BASE_IMAGE}
# The commit the executable was built from (build/container.sh passes it from the publish's auth0-mcp.stamp).
ARG REVISION=unknown
LABEL org.opencontainers.image.revision=$REVISION
# The executable and the one native library it loads beside itself (SQLite); nothing else from the publish folder.
COPY --chmod=0555 build/out/aot/auth0-mcp build/out/aot/libe_sqlite3.so /app/
# The governance store (SQLite, its audit key and checkpoints) and the rotated credentials live on a volume owned by
# the app user (a new named volume takes the folder's owner), so the image itself can run read-only.
COPY --chown=$APP_UID:$APP_UID build/container/data/ /data/
ENV AUTH0_MCP_STORE=/data/governance.db \
    AUTH0_MCP_CREDENTIALS_FILE=/data/credentials.json
VOLUME ["/data"]
USER $APP_UID
ENTRYPOINT ["/app/auth0-mcp"]
CMD ["serve"]
