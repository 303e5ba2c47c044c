# Newsdesk as a container. Not built in this project's CI (no image registry here): every RUN below is a command
# .ci/run's "production start" step runs on each change (npm ci, npm run build, npm prune --omit=dev, then
# node dist/main.js answering a piped /news with production dependencies only).
#
#   docker build -t newsdesk .
#   docker run --init -p 3000:3000 -v newsdesk-data:/data -e INGEST_TOKEN=… newsdesk
#
# --init (compose: `init: true`) puts a tiny init in front of node as PID 1: it forwards SIGTERM and reaps
# children. Newsdesk handles SIGTERM itself (drains, exits 0); give it DRAIN_TIMEOUT_SECONDS plus a little
# (docker stop -t 30, compose stop_grace_period: 30s, Kubernetes terminationGracePeriodSeconds: 30).
ARG NODE_VERSION=24

# --- build: dev dependencies and a C compiler (better-sqlite3 and the newsrank SQLite extension compile) ---
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY commands commands
COPY data/articles data/articles
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# The CI step's check: the compiled build answers /news with production dependencies only. Its first store open
# also compiles newsrank into node_modules/.cache/newsdesk, which the runtime image (no compiler) reuses.
RUN d="$(mktemp -d)" && cp -a data/articles "$d/articles" && mkdir "$d/inbox" \
 && echo '/news modi' | NEWSDESK_ENV_FILE=none NODE_ENV=production DATA_DIR="$d" LOG_LEVEL=warn node dist/main.js > "$d/answer" \
 && grep -q 'Results for' "$d/answer" && rm -rf "$d"

# --- run: production dependencies and dist/ only, as the non-root node user ---
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production TERMINAL=0 HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
RUN mkdir -p /data/articles /data/inbox && chown -R node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
