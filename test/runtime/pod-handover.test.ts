/**
 * A serving worker's hand-over in a runtime pod (pod/serving-pool.ts retires a worker
 * whose handler blocked its thread): clients on kept-alive connections and clients
 * opening fresh connections, back to back through three hand-overs, see no failed
 * request. The pod runs in a network namespace of its own, with
 * net.ipv4.tcp_migrate_req=1 as the README asks of a pod: without it the kernel resets
 * connections still queued on the retiring worker's listener when it closes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAcrossHandovers } from '../support/handover-load.ts';
import { type PodProcess, watchPod } from '../support/pod-process.ts';

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');
const HANDOVERS = 3;

const HANDLER = `export async function handler(req) {
  if (new URL(req.url).pathname.endsWith('/loop')) { while (true) {} }
  return new Response('ok');
}`;

/** Root with unshare, ip and sysctl: what a namespace of the pod's own takes. */
const canUnshare =
  process.getuid?.() === 0 &&
  ['unshare', 'nsenter', 'ip', 'sysctl'].every(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
  );

describe.skipIf(!canUnshare)('runtime pod hand-over of a retired serving worker', () => {
  let dir: string;
  let pod: PodProcess;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-handover-'));
    const file = path.join(dir, 'handover.json');
    const trigger = { type: 'http', config: { method: 'GET', auth: 'none' } };
    const limits = { timeoutSeconds: 1, memoryMb: 64 };
    await writeFile(file, JSON.stringify({ name: 'handover', appId: 'pod', code: HANDLER, trigger, limits }));
    const inOwnNetwork = 'ip link set lo up && sysctl -qw net.ipv4.tcp_migrate_req=1 && exec "$0" "$@"';
    const child = spawn('unshare', ['--net', 'sh', '-c', inOwnNetwork, process.execPath, POD_ENTRY], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        BBFN_LISTEN_ADDRESS: '127.0.0.1',
        BBFN_FUNCTION_FILE: file,
        // One worker: every connection is on the one that retires.
        BBFN_WORKERS: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    pod = watchPod(child);
    base = `${await pod.serving}/v1/pod/fn/handover`;
  }, 60_000);

  afterAll(async () => {
    await pod?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails no request on kept-alive or fresh connections across three hand-overs', async () => {
    const { keptAlive, fresh } = await loadAcrossHandovers({
      url: base,
      // In the pod's network namespace: its loopback is not the test's.
      within: ['nsenter', `--net=/proc/${pod.child.pid}/ns/net`],
      handovers: HANDOVERS,
      retired: async () => pod.lines.filter((line) => line.msg === 'serving worker retired').length,
      handoverTimeoutMs: 20_000,
    });
    expect(keptAlive.failures).toEqual([]);
    expect(fresh.failures).toEqual([]);
    // Load ran all along: requests on each kind of connection, through every hand-over.
    expect(keptAlive.requests).toBeGreaterThan(HANDOVERS * 10);
    expect(fresh.requests).toBeGreaterThan(HANDOVERS * 10);
  }, 90_000);
});
