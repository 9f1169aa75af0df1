# Music Time Machine: one image for Railway (railway.json) or any Docker host.
# Node 20 on Debian bookworm; no build step (tsx runs the TypeScript at start-up, so it is a
# runtime dependency and stays in the image with --omit=dev).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 (the legacy import) compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The postinstall (the embedded database image) skips itself here: its script is not copied yet,
# so this layer stays cached until the lockfile changes.
RUN npm ci --omit=dev --no-audit --no-fund
# The embedded database image (src/db/pglite-image.ts) for a fresh DATA_DIR (EMBEDDED_IN_PRODUCTION
# deploys; unused with DATABASE_URL): built from the same migrations and src as the final stage, so
# its manifest matches there; the `ls` fails the build if none was made (the script itself only
# warns, so that `npm install` never fails on it). Made readable to all: it is built as root and
# read as `node`, and PGlite leaves some files at 0600. Rebuilt (~15 s) when src or migrations change.
COPY migrations ./migrations
COPY src ./src
COPY scripts/build-pglite-image.ts ./scripts/
RUN node --import tsx scripts/build-pglite-image.ts \
 && ls node_modules/.cache/music-time-machine/pglite-images/*/manifest.json \
 && chmod -R a+rX node_modules/.cache/music-time-machine

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc's malloc: two arenas instead of one per thread (docs/ARCHITECTURE.md, "Memory of the
# embedded database").
ENV MALLOC_ARENA_MAX=2
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY public ./public
COPY src ./src
USER node
EXPOSE 3000
# Exec form: node is PID 1 and receives the platform's SIGTERM itself (graceful drain, exit 0).
# Not `npm start`, which would put npm and a shell between the signal and the server.
CMD ["node", "--import", "tsx", "src/main.ts"]
