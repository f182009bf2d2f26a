# auth0-mcp as a container image: the Native AOT executable on a chiseled Ubuntu base (no shell, no package manager,
# runs as the non-root "app" user). Built from the publish, not inside the image, so the spec pin and its check stay
# where they are (docs/packages.md, "Native AOT and the container image"):
#   bash build/publish-aot.sh            # -> build/out/aot/auth0-mcp (linux-x64; needs clang and zlib1g-dev)
#   docker build -t auth0-mcp .
#   docker run -i --rm -e AUTH0_DOMAIN -e AUTH0_TOKEN -e AUTH0_MCP_USER=alice -v auth0-mcp:/data auth0-mcp serve
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
COPY --chmod=0555 build/out/aot/auth0-mcp /app/auth0-mcp
# The governance store (SQLite, its audit key and checkpoints) lives on a volume; the image itself is read-only.
ENV AUTH0_MCP_STORE=/data/governance.db
VOLUME ["/data"]
USER $APP_UID
ENTRYPOINT ["/app/auth0-mcp"]
CMD ["serve"]
