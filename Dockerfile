# mode-bridge container image.
# Stage 1 builds with the full toolchain; stage 2 runs the compiled service with production
# dependencies only, as an unprivileged user. Everything here also runs without Docker:
#   npm ci && npm prune --omit=dev && NODE_ENV=production HOST=0.0.0.0 npm start
#
#   docker build -t mode-bridge .
#   docker run -p 3000:3000 -v mode-bridge-data:/app/data --env-file .env mode-bridge
#   docker run --rm --env-file .env mode-bridge npm run migrate -- --status   (PostgreSQL only, see below)

# node:20-slim (Debian, glibc): @node-rs/argon2 and PGlite (WebAssembly) would also run on
# -alpine (argon2 ships musl binaries), but builder and runtime must use the same libc, and the
# slim image keeps native binaries and `npm rebuild` behaviour the most ordinary.
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS builder
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# The sources come before `npm ci` (it installs exactly package-lock.json): its `prepare` script
# builds them (prisma generate, then tsc of src/ and scripts/ into dist/; the generated Prisma
# client is compiled into dist/src/generated).
COPY package.json package-lock.json prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY src ./src
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
# HOST: outside a container the server listens on loopback only by default; here it must be
# reachable through the published port.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data \
    npm_config_update_notifier=false
WORKDIR /app
COPY --from=builder /app/package.json /app/package-lock.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
# Read at run time: SQL migrations (applied at start and by `npm run migrate`) and the shipped
# command policy (COMMAND_POLICY_FILE overrides it).
COPY --from=builder /app/prisma/migrations ./prisma/migrations
COPY config ./config
# Embedded PGlite data when DATABASE_URL is unset. One process per data directory: while the
# server runs on it, admin scripts refuse (exit 4) and point to the admin API. Use PostgreSQL
# (DATABASE_URL) to run several instances or scripts beside the server.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The server applies pending migrations when it starts; `npm run migrate` does the same on demand.
# `npm start`'s command: Node.js settings sized for the service (README, "Memory"), which
# `docker run -e NODE_OPTIONS=...` overrides; admin scripts keep Node's defaults. sh execs node,
# which handles SIGTERM itself (drains requests, closes the database), so it runs as PID 1.
CMD ["sh", "-c", "MALLOC_MMAP_THRESHOLD_=\"${MALLOC_MMAP_THRESHOLD_:-131072}\" NODE_OPTIONS=\"--max-old-space-size=384 --max-semi-space-size=$(test -n \"$DATABASE_URL\" && echo 16 || echo 8) $NODE_OPTIONS\" exec node dist/src/server.js"]
