# Images of Butterbase Functions, one target each:
#   runtime   what function pods run: the bundled runtime (runtime-image/dist), non-root.
#   operator  the controller the Helm chart deploys (operator/dist), non-root.
#
# The bundles are built first, outside (they are the same files on every platform):
#   npm ci && npm run build
#   docker build --target runtime -t butterbase-functions/runtime .
#   docker build --target operator -t butterbase-functions/operator .
# NODE_IMAGE is any image with Node 24 at /usr/local/bin/node (the official one by default;
# test/image/base-image.sh makes one from this checkout's Node for machines without a registry).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS runtime
# Its paths (/app, /app/dist/main.mjs, /app/compile-cache) are also in
# runtime-image/src/image-layout.ts: the operator starts pods with them on the command line.
WORKDIR /app
# The bundles carry their dependencies. esbuild stays a package: a pod given no bundle
# (BBFN_BUNDLE_FILE) compiles the handler itself.
COPY runtime-image/dist/ /app/dist/
COPY node_modules/esbuild/ /app/node_modules/esbuild/
COPY node_modules/@esbuild/linux-x64/ /app/node_modules/@esbuild/linux-x64/
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/app/compile-cache \
    PORT=8080
# Runs a pod once (no database) and answers a request, so the image ships V8's compiled
# code for all of it and a pod does not compile it again at start.
RUN ["node", "/app/dist/warm-compile-cache.mjs"]
# Any non-root user works; the root filesystem may be read-only (the pod writes nothing).
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "/app/dist/main.mjs"]

FROM ${NODE_IMAGE} AS operator
WORKDIR /app
# The operator compiles Functions' code with esbuild, the one package its bundle leaves out.
COPY operator/dist/ /app/dist/
COPY node_modules/esbuild/ /app/node_modules/esbuild/
COPY node_modules/@esbuild/linux-x64/ /app/node_modules/@esbuild/linux-x64/
# Its live heap is small (~33 MiB with 1,000 Functions), but V8 left to itself grew the
# heap to ~220 MiB of mostly garbage on a large machine; a small young generation and a
# capped old one kept RSS at ~140 MiB (bench/RESULTS.md; bench/operator-scale.ts runs
# the operator with these flags, read from here). Raise both with the Deployment's memory
# limit for many thousands of Functions.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=4"
USER 10001:10001
EXPOSE 8081
ENTRYPOINT ["node", "/app/dist/main.mjs"]
