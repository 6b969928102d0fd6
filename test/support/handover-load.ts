/**
 * A serving worker's hand-over under load, as test/runtime/pod-handover.test.ts and
 * test/e2e/listener-handover.test.ts both run it: the load process
 * (handover-load.main.ts) starts, a request that blocks a worker past its time limit is
 * sent, and the next one only once that worker has been retired and has ended, N times;
 * then the load stops and reports every request that failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './wait.ts';

const LOAD_MAIN = path.join(import.meta.dirname, 'handover-load.main.ts');

export interface HandoverLoadResult {
  keptAlive: { requests: number; failures: string[] };
  fresh: { requests: number; failures: string[] };
}

export interface HandoverLoadOptions {
  /** The function's URL as the load reaches it (its `/hello` and `/loop` are below it). */
  url: string;
  /** The address prefix of a network the test made itself, when the URL is not on loopback. */
  ownNetwork?: string;
  /** What the load runs inside, before `node` (`nsenter --net=…` into a pod's namespace). */
  within?: string[];
  handovers: number;
  /** Serving workers retired and ended so far: where a test reads it is its own business. */
  retired: () => Promise<number>;
  /** How long one hand-over may take to be seen. */
  handoverTimeoutMs: number;
  pollMs?: number;
  /** Waited for after each hand-over but the last, before the next is started. */
  between?: () => Promise<void>;
}

export async function loadAcrossHandovers(options: HandoverLoadOptions): Promise<HandoverLoadResult> {
  const before = await options.retired();
  const [command, ...args] = [
    ...(options.within ?? []),
    process.execPath,
    LOAD_MAIN,
    options.url,
    ...(options.ownNetwork ? [options.ownNetwork] : []),
  ];
  const load: ChildProcess = spawn(command!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  // A load that died early is reported below; writing to it must not throw as well.
  load.stdin!.on('error', () => {});
  const report = new Promise<HandoverLoadResult>((resolve, reject) => {
    createInterface({ input: load.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
    load.once('exit', (code) => reject(new Error(`the load exited with ${code} before reporting`)));
  });
  // A hand-over that is not seen fails the test with that, not with the report's fate.
  report.catch(() => {});
  try {
    for (let handover = 1; handover <= options.handovers; handover++) {
      load.stdin!.write('loop\n');
      await waitFor(
        `hand-over ${handover}`,
        options.handoverTimeoutMs,
        async () => (await options.retired()) >= before + handover,
        options.pollMs,
      );
      if (handover < options.handovers) await options.between?.();
    }
  } finally {
    load.stdin!.write('stop\n');
  }
  return await report;
}
