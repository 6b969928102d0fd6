/**
 * The threads sandboxes run in. A thread boots Node and loads the worker's module
 * graph before it is told which handler to run (a `load` message), so a pod can
 * start its threads at once and have them booted by the time the handler is
 * compiled and the host is up: prewarmSandboxThreads() at start, and each
 * SandboxWorker takes a booted thread when one with its heap cap is waiting.
 */
import { Worker } from 'node:worker_threads';

// The bundled runtime (see runtime-image/build.ts) names its worker bundle at build time.
declare const __BBFN_WORKER_BUNDLE__: string | undefined;
const WORKER_ENTRY =
  typeof __BBFN_WORKER_BUNDLE__ === 'string'
    ? new URL(__BBFN_WORKER_BUNDLE__, import.meta.url)
    : new URL('./worker/worker-main.ts', import.meta.url);

function spawnSandboxThread(memoryMb: number): Worker {
  return new Worker(WORKER_ENTRY, {
    // The handler sees ctx.env only. The one variable passed on enables the V8 compile
    // cache for the thread's own code as it boots; worker-main removes it at once.
    env: process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {},
    resourceLimits: {
      maxOldGenerationSizeMb: memoryMb,
      maxYoungGenerationSizeMb: Math.max(4, Math.min(32, Math.floor(memoryMb / 4))),
    },
  });
}

interface WaitingThread {
  memoryMb: number;
  thread: Worker;
  /** Until a sandbox takes the thread and listens itself, an 'error' must not go unheard. */
  ignoreError: () => void;
}

const waiting: WaitingThread[] = [];

/** Starts threads now for sandboxes that will ask for this heap cap. */
export function prewarmSandboxThreads(count: number, memoryMb: number): void {
  for (let i = 0; i < count; i++) {
    const entry: WaitingThread = { memoryMb, thread: spawnSandboxThread(memoryMb), ignoreError: () => {} };
    waiting.push(entry);
    entry.thread.on('error', entry.ignoreError);
    // One that dies waiting is dropped, never handed out.
    entry.thread.once('exit', () => {
      const index = waiting.indexOf(entry);
      if (index >= 0) waiting.splice(index, 1);
    });
    // A waiting thread must not keep a process alive that has nothing else to do.
    entry.thread.unref();
  }
}

/** A thread for a new sandbox: a prewarmed one with this heap cap, else a new one. */
export function takeSandboxThread(memoryMb: number): Worker {
  const index = waiting.findIndex((entry) => entry.memoryMb === memoryMb);
  if (index < 0) return spawnSandboxThread(memoryMb);
  const [entry] = waiting.splice(index, 1);
  entry!.thread.off('error', entry!.ignoreError);
  entry!.thread.ref();
  return entry!.thread;
}
