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
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
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
