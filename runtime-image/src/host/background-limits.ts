/** The seed's cap on `ctx.waitUntil` work after the response. */
export const BACKGROUND_LIMIT_MS = 30_000;

/** How long a stopping host lets a revision finish its requests and background work: the cap and a margin. */
export function drainLimitFor(backgroundLimitMs: number): number {
  return backgroundLimitMs + 5_000;
}
