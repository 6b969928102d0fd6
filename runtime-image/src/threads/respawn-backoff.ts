/**
 * How long to wait before starting a thread again after `failures` starts in a row
 * failed (a handler that cannot load, a worker that dies before serving): 100 ms,
 * doubling, at most 10 s. A broken handler then costs a thread start now and then,
 * not a busy loop.
 */
export function respawnDelayMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(100 * 2 ** (failures - 1), 10_000);
}
