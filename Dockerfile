# syntax=docker/dockerfile:1
# sso-gateway image: `docker build -t sso-gateway .` (docker-compose.yml builds it for you).
# Runs the gateway and the operator CLI as bundled by esbuild in the build stage (dependencies from node_modules,
# production ones only: no TypeScript toolchain in the image), as the unprivileged user `node`.

ARG NODE_IMAGE=node:22-bookworm-slim

# --- 0. Build: every dependency without install scripts (esbuild needs no native module), then `npm run build`. --
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle.mjs ./scripts/bundle.mjs
RUN npm run --silent build

# --- 1. Production dependencies; better-sqlite3 compiles here (python3, make, g++), bcrypt ships prebuilt. ------
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node-gyp uses the headers of the Node in this image instead of downloading them.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# --- 2. Runtime: no compilers, no npm cache, read-only app files, writable data dir only. ---------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    GATEWAY_PORT=8081 \
    GATEWAY_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY config ./config
# One bundled file each for the gateway and the CLI (`node dist/admin.mjs rotate-key`): starts in about a second.
COPY --from=build /app/dist ./dist
# The image's npm scripts run the bundles (the checkout's build and run TypeScript with devDependencies).
RUN npm pkg set scripts.start="node --enable-source-maps dist/main.mjs" scripts.admin="node dist/admin.mjs" \
 && npm pkg delete scripts.prestart
# ./data holds the embedded SQLite file when no MySQL URL is given (a volume in production, if used at all).
RUN mkdir -p /app/data && chown node:node /app/data
USER node

EXPOSE 8081
# slim has no curl: Node's fetch does the probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.GATEWAY_PORT||8081)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# node directly (not `npm start`): one process less, and SIGTERM reaches the gateway.
CMD ["node", "--enable-source-maps", "dist/main.mjs"]
