# syntax=docker/dockerfile:1
# The call-center service. Build context: the repository root (`docker compose build`, or
# `docker build -t callcenter-ari .`). First version; a later issue hardens it.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary when one exists; the compilers are for when it must build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Production dependencies only. tsx is one of them: the service runs its TypeScript sources with it
# (`npm start` = `node --import tsx src/main.ts`), so there is no separate compile step.
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY config/default.json ./config/default.json
# /data holds the SQLite store (STORE_PATH=/data/callcenter.sqlite); the service runs as the image's
# non-root user `node` (uid 1000), which owns it.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# /healthz answers once the service has reached Asterisk (it listens only after the first ARI connect),
# hence the long start period. API_PORT must match api.port if the config file changes it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without npm in between, so SIGTERM reaches the service and it drains calls before exiting.
CMD ["node", "--import", "tsx", "src/main.ts"]
