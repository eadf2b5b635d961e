# syntax=docker/dockerfile:1
# The call-center service. Build context: the repository root (`docker compose build`, or
# `docker build -t callcenter-ari .`). Two stages: `build` compiles src/ to dist/ and the web app to
# web/dist/ with the dev dependencies (TypeScript, Vite), then prunes them; the runtime stage holds only
# dist/, web/dist/, the production node_modules and the config, and runs `node dist/main.js` as the
# non-root user `node` (uid 1000).
# Deployment and operations: docs/operations.md.

# Node LTS. The service needs Node >= 20.19; some dependencies (fastify's light-my-request, @fastify/static)
# already declare Node >= 22, and Node 20 reached its end of life in April 2026, so the image uses 22.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary when one exists; the compilers are for when it must build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# All dependencies: the compiler is a dev dependency. (As in .ci/run: a registry that lacks other
# platforms' optional builds can make `npm ci` refuse the lock file; then install from the same lock.)
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The web application (Vite, a dev dependency) is built here too; the service serves web/dist at /.
COPY web ./web
# Compile the service and build the web app, then drop the dev dependencies (tsx, TypeScript, vite,
# vitest, biome, ...) from node_modules; the native better-sqlite3 build stays, made for this base image.
RUN npm run build \
 && npm run build:web \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    STORE_PATH=/data/callcenter.sqlite \
    STORAGE_DIR=/data/storage \
    RECORDING_DIR=/recordings \
    IVR_PROMPTS_DIR=/prompts \
    FAX_DIR=/data/faxes \
    FAX_SPOOL_DIR=/fax-spool
# Fax (docs/fax.md): ghostscript (PDF to fax TIFF), libtiff-tools (received TIFF to PDF), poppler-utils
# (page counts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ghostscript libtiff-tools poppler-utils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# web.dir defaults to web/dist under /app.
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
# The config file (CONFIG_FILE defaults to config/default.json under /app) and the IVR flow files
# seeded at the first start (ivr.flowsDir defaults to config/ivr). Both read-only for the service.
COPY config/default.json ./config/default.json
COPY config/ivr ./config/ivr
# The health check, and an online backup of the SQLite store (the image has no sqlite3 CLI).
COPY docker/callcenter/healthcheck.mjs docker/callcenter/backup-sqlite.mjs ./
# Where the service writes, all mounted as volumes by docker-compose.yml: /data (the SQLite store with its
# -wal and -shm files, and storage.dir for voice messages), /recordings (recording.dir), /prompts (the
# prompt folder shared with Asterisk), /fax-spool (the fax TIFFs shared with Asterisk). Made here so that
# a new named volume takes the owner `node`.
RUN mkdir -p /data/storage /data/faxes /recordings /prompts /fax-spool \
 && chown -R node:node /data /recordings /prompts /fax-spool
USER node
# api.port of config/default.json (API_PORT overrides it). The API binds api.host, 127.0.0.1 by default.
EXPOSE 3000
# /healthz answers as soon as the service listens (after the store and Redis, before Asterisk).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "healthcheck.mjs"]
# node itself, no npm in between, so SIGTERM reaches the service and it drains calls before exiting.
# Source maps point stack traces at src/*.ts.
CMD ["node", "--enable-source-maps", "dist/main.js"]
