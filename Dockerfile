# syntax=docker/dockerfile:1
# kabinet: `docker build -t kabinet .` (or `docker compose up -d`, see docker-compose.yml and README.md).

# ---- build: compile TypeScript and the native modules (better-sqlite3, argon2) ----
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# npm 11 honours the `allowScripts` policy in package.json (the image ships npm 10, which would run every
# dependency's install script, including the ones the policy denies).
RUN npm install -g npm@11 --no-audit --no-fund
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:20-bookworm-slim
# Everything kabinet does with bulk data streams (imports, exports, uploads, campaign sending), so a small heap
# is enough, and capping it keeps memory flat instead of letting V8 grow the heap before it collects. A young
# generation of fixed size (16 MB semi-spaces; V8 may otherwise leave it small) keeps mail in flight from being
# promoted, which can put V8 into back-to-back major GCs that slow a campaign send by about a quarter.
# (--min-semi-space-size is not allowed in NODE_OPTIONS, hence on the command line.)
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/app/data FILES_DIR=/app/files NODE_OPTIONS=--max-old-space-size=192
WORKDIR /app
# The code stays owned by root, read-only for the app.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY views ./views
COPY package.json ./
# The data directory holds the SQLite database (when DATABASE_URL is not set), the generated secret key
# (when SECRET_KEY is not set); /app/files holds uploaded files (FILES_DIR). Both belong to the app user.
RUN mkdir -p /app/data /app/files && chown node:node /app/data /app/files
USER node
VOLUME ["/app/data", "/app/files"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Pending database migrations are applied on start, before the server accepts requests.
CMD ["node", "--min-semi-space-size=16", "dist/src/main.js"]
