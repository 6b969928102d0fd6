/**
 * Where the runtime image (Dockerfile, target `runtime`) keeps its parts: one home for
 * the image and for the operator, which starts pods with these paths on their command
 * line (operator/src/resources/runtime-pod.ts).
 */
export const RUNTIME_IMAGE = {
  /** The runtime's code: the bundles in dist/ and the node_modules kept beside them (esbuild). */
  codeRoot: '/app',
  podEntry: '/app/dist/main.mjs',
  runOnceEntry: '/app/dist/run-once.mjs',
  /** The V8 compile cache warmed at image build (NODE_COMPILE_CACHE). */
  compileCache: '/app/compile-cache',
} as const;
