/**
 * A runtime pod whose handler module throws as it loads: it exits 1 with the module's own
 * error as its last words, which a kubelet quotes as the container's termination message
 * (FallbackToLogsOnError) and the operator quotes in the Function's Ready condition.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');
// Starts that fail, side by side: the serving worker's own exit used to race the main
// thread's terminate() and win about half the time here (seen in the e2e crash-loop test).
const STARTS = 4;

let dir = '';
let functionFile = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bbfn-pod-start-'));
  functionFile = path.join(dir, 'boom.json');
  await writeFile(
    functionFile,
    JSON.stringify({
      name: 'boom',
      appId: 'pod',
      code: "throw new Error('boom at load');\nexport async function handler() { return new Response('never'); }",
      trigger: { type: 'http', config: { method: 'GET', auth: 'none' } },
      limits: { timeoutSeconds: 1, memoryMb: 64 },
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the pod entry to its exit; its exit code, stdout and stderr. */
function runPod(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [POD_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      BBFN_LISTEN_ADDRESS: '127.0.0.1',
      BBFN_FUNCTION_FILE: functionFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('runtime pod whose handler throws as it loads', () => {
  it("exits 1 with the module's error as its last line, and nothing on stderr", async () => {
    const runs = await Promise.all(Array.from({ length: STARTS }, () => runPod()));
    for (const { code, stdout, stderr } of runs) {
      expect(code).toBe(1);
      expect(stderr).toBe('');
      const last = JSON.parse(stdout.trim().split('\n').pop()!) as {
        level: number;
        err: { code: string; message: string };
      };
      expect(last).toMatchObject({
        level: 60,
        err: { code: 'FUNCTION_LOAD_FAILED', message: expect.stringContaining('boom at load') },
      });
    }
  }, 60_000);
});
