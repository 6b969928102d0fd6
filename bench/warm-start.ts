import type { startServerProcess } from './process.ts';

export interface WarmFunction {
  /** The function's definition, as the operator would mount it. */
  function: Record<string, unknown>;
  /** Its compiled bundle. */
  bundle: string;
  /** Its app's settings (runtime-env.ts names). */
  env: Record<string, string>;
  /** Its URL's path below the pod's origin. */
  path: string;
}

const POOL_TOKEN = 'bench-pool-token-0123456789';

/** The environment of a warm pool process (runtime-image/src/pool/), beside a pod's own. */
export function poolEnv(podEnv: Record<string, string>): Record<string, string> {
  return { ...podEnv, BBFN_POOL_PORT: '0', BBFN_POOL_TOKEN: POOL_TOKEN };
}

/**
 * One warm start: a pool process is started and left to warm up (not timed, as a pool's
 * pods are up before a function needs them), then timed from the specialize request
 * that hands it the function to the function's first response.
 */
export async function warmStartMs(pool: () => ReturnType<typeof startServerProcess>, fn: WarmFunction) {
  const process = await pool();
  try {
    const started = performance.now();
    const specialized = await fetch(`${process.url}/v1/specialize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${POOL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ function: fn.function, bundle: fn.bundle, env: fn.env }),
      signal: AbortSignal.timeout(30_000),
    });
    if (specialized.status !== 200)
      throw new Error(`specialize answered ${specialized.status}: ${await specialized.text()}`);
    const { port } = (await specialized.json()) as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}${fn.path}`, {
      signal: AbortSignal.timeout(30_000),
    });
    await response.text();
    if (response.status !== 200) throw new Error(`the specialized function answered ${response.status}`);
    return performance.now() - started;
  } finally {
    await process.stop();
  }
}
