/**
 * Warms the V8 compile cache an image ships (`NODE_COMPILE_CACHE`), at image build:
 * runs the pod entry beside this file on a throwaway function, without a database,
 * answers one request, and stops it. Node writes the cache as each thread ends, with
 * the code of everything that ran, the first request's path included, so a pod
 * started from the image compiles none of it again.
 * Usage (Dockerfile): NODE_COMPILE_CACHE=/app/compile-cache node dist/warm-compile-cache.mjs
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { RUNTIME_ENV } from './runtime-env.ts';

const LIMIT_MS = 60_000;
const HANDLER = `export async function handler(request, ctx) {
  return new Response('warm');
}
`;

async function warm(): Promise<void> {
  if (!process.env.NODE_COMPILE_CACHE) throw new Error('Set NODE_COMPILE_CACHE to the directory to warm');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bbfn-warm-'));
  try {
    const functionFile = path.join(dir, 'function.json');
    const bundleFile = path.join(dir, 'handler.mjs');
    const trigger = { type: 'http', config: { method: 'GET', auth: 'none' } };
    await writeFile(functionFile, JSON.stringify({ name: 'warm', appId: 'warm', code: HANDLER, trigger }));
    // A plain ES module with a `handler` export is already what the operator mounts.
    await writeFile(bundleFile, HANDLER);
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'main.mjs')], {
      env: {
        ...process.env,
        [RUNTIME_ENV.port]: '0',
        [RUNTIME_ENV.address]: '127.0.0.1',
        [RUNTIME_ENV.functionFile]: functionFile,
        [RUNTIME_ENV.bundleFile]: bundleFile,
        [RUNTIME_ENV.workers]: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    try {
      const url = await servingUrl(child.stdout, exited);
      const response = await fetch(`${url}/v1/warm/fn/warm`, { signal: AbortSignal.timeout(LIMIT_MS) });
      if ((await response.text()) !== 'warm') throw new Error(`The warm-up request got ${response.status}`);
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`The pod exited with ${code} after the warm-up request`);
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The URL from the pod's `serving` log line; fails if it exits first. */
function servingUrl(stdout: NodeJS.ReadableStream, exited: Promise<number | null>): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'serving' && entry.url) resolve(entry.url);
      } catch {
        // Not a log line.
      }
    });
    void exited.then((code) => reject(new Error(`The pod exited with ${code} before serving`)));
  });
}

try {
  await warm();
  console.log(`compile cache warmed in ${process.env.NODE_COMPILE_CACHE}`);
} catch (error) {
  console.error(`warm-compile-cache: ${(error as Error).message}`);
  process.exitCode = 1;
}
