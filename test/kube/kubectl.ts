import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { ensureKubeBinaries } from './assets.ts';

const run = promisify(execFile);
let binary: Promise<string> | undefined;

/**
 * kubectl (the pinned one test/kube/assets.sh provides) against the run's cluster, as a
 * user would run it; `input` goes to its stdin (`-f -`). Never throws: a refusal is a
 * result, with kubectl's message.
 */
export async function kubectl(args: string[], input?: string): Promise<{ ok: boolean; out: string }> {
  binary ??= ensureKubeBinaries().then((bins) => bins.kubectl);
  const running = run(await binary, ['--kubeconfig', inject('kubeconfig'), ...args], {
    timeout: 60_000,
    maxBuffer: 16 * 2 ** 20,
  });
  if (input !== undefined) running.child.stdin!.end(input);
  return running.then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (error: { stderr?: string; message: string }) => ({ ok: false, out: error.stderr || error.message }),
  );
}
