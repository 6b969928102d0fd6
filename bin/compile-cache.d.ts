/** Turns on V8's compile cache for this process and the threads it starts (compile-cache.js). */
export function enableBbfnCompileCache(): void;
