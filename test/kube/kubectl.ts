import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { ensureKubeBinaries } from './assets.ts';

const run = promisify(execFile);
const EXAMPLES = path.join(import.meta.dirname, '../../examples');
let binary: Promise<string> | undefined;

/** What kubectl answered: its stdout, or (`ok: false`) its message. */
export interface KubectlResult {
  ok: boolean;
  out: string;
}

/**
 * `binary` against the cluster of `kubeconfig`, as a user would run it; `input` goes to
 * its stdin (`-f -`). Never throws: a refusal is a result, with kubectl's message.
 */
export async function runKubectl(
  binary: string,
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<KubectlResult> {
  const running = run(binary, ['--kubeconfig', kubeconfig, ...args], {
    timeout: 60_000,
    maxBuffer: 16 * 2 ** 20,
  });
  if (input !== undefined) running.child.stdin!.end(input);
  return running.then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (error: { stderr?: string; message: string }) => ({ ok: false, out: error.stderr || error.message }),
  );
}

/** kubectl (the pinned one test/kube/assets.sh provides) against the run's cluster; never throws. */
export async function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  binary ??= ensureKubeBinaries().then((bins) => bins.kubectl);
  return runKubectl(await binary, inject('kubeconfig'), args, input);
}

/** `kubectl get -o json` of `args` in `namespace`, parsed; throws with kubectl's message. */
export async function getJson<T>(namespace: string, args: string[]): Promise<T> {
  const result = await kubectl(['get', '-n', namespace, '-o', 'json', ...args]);
  if (!result.ok) throw new Error(result.out);
  return JSON.parse(result.out) as T;
}

/**
 * kubectl apply of manifests under examples/ (the ones users start from) into `namespace`:
 * the files named, in order, or all of them. Throws with kubectl's message when refused.
 */
export async function applyExamples(namespace: string, ...files: string[]): Promise<void> {
  const sources =
    files.length > 0 ? files.flatMap((file) => ['-f', path.join(EXAMPLES, file)]) : ['-R', '-f', EXAMPLES];
  const applied = await kubectl(['apply', '-n', namespace, ...sources]);
  if (!applied.ok)
    throw new Error(`kubectl apply of examples (${files.join(', ') || 'all'}) failed: ${applied.out}`);
}
