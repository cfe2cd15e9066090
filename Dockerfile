# syntax=docker/dockerfile:1
# Build stage: typecheck, bundle (scripts/build.mjs) and build the native SQLite addon.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and compiled output only, as an unprivileged user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATABASE_URL=sqlite:/data/snapshot-copy.db SNAPSHOT_COPY_CONFIG=/config/snapshot-copy.yml
# Two malloc arenas, and in CMD a 4 MB young generation and an old generation that grows by half
# before a full collection: ~30 MB less RSS when idle and ~50 MB less at the peak after a burst of copy starts
# (measured by `npm run bench`, footprint, which runs the bot with these same settings). The V8 flag
# is not allowed in NODE_OPTIONS, so both flags are on the command line.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data /config && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/main.js"]
