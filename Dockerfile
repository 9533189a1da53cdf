# tiercache node daemon image. The build stage runs the same steps as CI
# (npm ci, npm run build) so that what CI tests is what ships; there is no
# Docker engine in CI, so keep the two in step by hand.

# --- build: native modules (better-sqlite3) and TypeScript -------------------
FROM node:20-bookworm-slim AS build
# better-sqlite3 falls back to a node-gyp build when no prebuilt binary
# matches; that needs python3, make and a C++ compiler. tiercache's own
# addons: batched file I/O (a C compiler) and the FUSE mount (libfuse3-dev).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ pkg-config libfuse3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first: this layer is reused until the lockfile changes.
COPY package.json package-lock.json binding.gyp ./
COPY hack/build-fuse-addon.js hack/
COPY src/fuse/native src/fuse/native
COPY src/native/*.c src/native/*.h src/native/
RUN npm ci
COPY . .
RUN npm run build \
 && npm prune --omit=dev

# --- runtime -----------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
# fuse3: libfuse3 for the addon and fusermount3 (detaching a dead mount).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fuse3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/build/Release/tiercache_fuse.node ./build/Release/tiercache_fuse.node
COPY --from=build /app/build/Release/tiercache_io.node ./build/Release/tiercache_io.node
COPY --from=build /app/proto ./proto
# Unprivileged by default (the warmup init containers need nothing more).
# The DaemonSet runs the daemon as root without capabilities, to own files in
# the root-created hostPath directories.
USER node
ENTRYPOINT ["node", "--initial-old-space-size=64", "/app/dist/src/cli/main.js"]
CMD ["daemon", "--config", "/etc/tiercache/config.yaml"]
