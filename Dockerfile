# syntax=docker/dockerfile:1
# Portolan API (Node entry) on PostgreSQL: docs/deploy.md. Build: docker build -t portolan .
# The same image runs the migrations (node dist/src/entry/migrate.js) and the `portolan` CLI.

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY agents/package.json agents/bin.js ./agents/
# Install scripts are not needed to compile (npm 11 skips unapproved ones anyway).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY agents/src ./agents/src
COPY migrations ./migrations
RUN npm run build

FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY agents/package.json agents/bin.js ./agents/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist ./dist
COPY migrations ./migrations
COPY bin ./bin
# PGlite's embedded data directory, when no DATABASE_URL is given.
RUN mkdir -p /app/.portolan && chown node:node /app/.portolan
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-old-space-size=320", "dist/src/cli/run.js", "serve"]
