# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only.
FROM node:22.23.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The npm workspaces (libs/contracts, libs/sdk): npm ci links them, so their package files come first.
COPY libs/contracts/package.json ./libs/contracts/package.json
COPY libs/sdk/package.json ./libs/sdk/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json .swcrc ./
COPY src ./src
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:22.23.3-bookworm-slim AS runtime
ENV NODE_ENV=production
# Sandbox mode defaults to loopback; in a container the port is published from outside, so listen on all interfaces.
ENV HOST=0.0.0.0
# V8's old space capped at 256 MB per process (each node:cluster process and the worker alike): without it V8 lets
# the heap grow towards its default limit (4 GB on a 24 GB host) before collecting hard, and the API sat at
# about 425 MB under overload; with it, 220 MB and no slower (bench/README.md "Memory"). Raise it with NODE_OPTIONS.
ENV NODE_OPTIONS=--max-old-space-size=256
WORKDIR /app
RUN useradd --system --uid 10001 paygrid
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# node_modules/@paygrid/contracts is the npm workspace link to libs/contracts: the compiled server requires its build.
COPY --from=build /app/libs/contracts/package.json ./libs/contracts/package.json
COPY --from=build /app/libs/contracts/dist ./libs/contracts/dist
COPY package.json ./
COPY docs/api.md ./docs/api.md
USER paygrid
EXPOSE 3000
# The slim image has no curl: node's fetch probes liveness. The worker serves no HTTP, so its service turns this off
# (docker-compose.yml, deploy/docker-compose.ha.yml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The API by default; the worker runs the same image with `node dist/src/worker.js`.
CMD ["node", "dist/src/main.js"]
