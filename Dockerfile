# syntax=docker/dockerfile:1
# Countersign image: TypeScript compiled to dist/ in a build stage; the runtime stage has production
# dependencies only, runs as the unprivileged `node` user and is probed on /healthz. Node 24 is the current LTS
# (20 is past its end of life); the code keeps running on Node 20 too (package.json engines).
#   docker build -t countersign .
#   docker run --env-file .env -e REDIS_URL=redis://redis-host:6379 -p 5711:5711 countersign

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# tsconfig.json type-checks tests and benchmarks too and emits nothing; compile src/ alone to dist/, and ship
# the Lua scripts the grant store loads from beside its compiled module.
RUN printf '%s' '{"extends":"./tsconfig.json","compilerOptions":{"noEmit":false,"outDir":"dist","rootDir":"src"},"include":["src"]}' > tsconfig.build.json \
  && npx tsc -p tsconfig.build.json \
  && mkdir -p dist/grants/scripts \
  && cp src/grants/scripts/*.lua dist/grants/scripts/

FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=5711
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 5711
# Liveness only (no Redis round trip); orchestrators should route traffic on /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||5711)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains in-flight requests and jobs (README, Operations). Add --role=web or --role=worker to split.
CMD ["node", "dist/main.js"]
