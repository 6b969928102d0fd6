/**
 * Worker threads that boot ahead of need. A thread boots Node and loads its entry's
 * module graph before it is told what to run (its first message), so a pod can start
 * its threads at once and have them booted by the time the handler is compiled and
 * the host is up: prewarmThreads() at start, and whoever needs a thread of that kind
 * takes a booted one from here when one is waiting.
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';

/** What makes threads interchangeable: the same entry and the same heap limits. */
export interface ThreadKind {
  entry: URL;
  resourceLimits: ResourceLimits;
}

interface WaitingThread {
  key: string;
  thread: Worker;
  /** Until someone takes the thread and listens itself, an 'error' must not go unheard. */
  ignoreError: () => void;
  /** Settles with the thread's first message, which an entry sends once its code has loaded. */
  booted: Promise<void>;
}

const waiting: WaitingThread[] = [];

function keyOf(kind: ThreadKind): string {
  return `${kind.entry.href}\0${JSON.stringify(kind.resourceLimits)}`;
}

function spawnThread(kind: ThreadKind): Worker {
  return new Worker(kind.entry, {
    // Handlers see ctx.env only. The one variable passed on enables the V8 compile
    // cache for the thread's own code as it boots; each entry removes it at once.
    env: process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {},
    resourceLimits: kind.resourceLimits,
  });
}

/** Starts threads of this kind now, for whoever will ask for one. */
export function prewarmThreads(kind: ThreadKind, count: number): void {
  for (let i = 0; i < count; i++) {
    const thread = spawnThread(kind);
    const booted = new Promise<void>((resolve, reject) => {
      thread.once('message', () => resolve());
      thread.once('exit', (code) =>
        reject(new Error(`A prewarmed thread exited with code ${code} while booting`)),
      );
    });
    booted.catch(() => {});
    const entry: WaitingThread = { key: keyOf(kind), thread, ignoreError: () => {}, booted };
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

/**
 * Resolves once every thread waiting now has loaded its code (its entry's first message):
 * a warm pool process is ready only then. Rejects if one dies first.
 */
export async function prewarmedThreadsBooted(): Promise<void> {
  await Promise.all(waiting.map((entry) => entry.booted));
}

/** Ends the threads still waiting: nobody will take them. */
export async function dropPrewarmedThreads(): Promise<void> {
  const dropped = waiting.splice(0);
  await Promise.all(dropped.map((entry) => entry.thread.terminate()));
}

/**
 * A thread of this kind: a prewarmed one when one waits, else a new one; always a new
 * one when `fresh` (the prewarmed ones are kept for someone in more of a hurry).
 */
export function takeThread(kind: ThreadKind, options: { fresh?: boolean } = {}): Worker {
  const key = keyOf(kind);
  const index = options.fresh ? -1 : waiting.findIndex((entry) => entry.key === key);
  if (index < 0) return spawnThread(kind);
  const [entry] = waiting.splice(index, 1);
  entry!.thread.off('error', entry!.ignoreError);
  entry!.thread.ref();
  return entry!.thread;
}
