/**
 * Benchmarks of the runtime host against its baselines, side by side in one run
 * (ratios, not absolute numbers, are what carry from machine to machine).
 * Usage: node bench/run.ts [--duration 5] [--rounds 3] [--connections 50] [--only hello,db,start,local-start,claims,peers,operator] [--functions 1000] [--operator-concurrency 8] [--write]
 * Everything runs on loopback: an embedded Postgres, the servers under test, the load;
 * for `operator`, a Kubernetes control plane (test/kube) and the operator process.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../local/postgres/embedded-postgres.ts';
import { buildRuntime } from '../runtime-image/build.ts';
import { signUserToken } from '../runtime-image/src/auth/jwt.ts';
import { compileHandler } from '../runtime-image/src/compile/compile.ts';
import { migrate } from '../runtime-image/src/db/migrate.ts';
import { withClient } from '../runtime-image/src/db/with-client.ts';
import { measureClaims } from './claims.ts';
import { formatCpuPerRequest, measureCpuPerRequest } from './cpu-per-request.ts';
import { type LoadResult, medianRound, pairedRatios, runLoad } from './load.ts';
import { measureOperatorScale } from './operator-scale.ts';
import { comparePeers } from './peers/compare-peers.ts';
import { nodeHttpServer, peerServers } from './peers/peer-servers.ts';
import { startServerProcess } from './process.ts';
import { type ResultRow, writeResults } from './results.ts';
import { BENCH_SCHEMA, DB_HANDLER, HELLO_HANDLER } from './scenarios.ts';
import { poolEnv, type WarmFunction, warmStartMs } from './warm-start.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string', default: 'hello,db,start,local-start,claims,peers,operator' },
    functions: { type: 'string', default: '1000' },
    'operator-concurrency': { type: 'string', default: '8' },
    rate: { type: 'string', default: '4000' },
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    `Usage: node bench/run.ts [--duration S] [--rounds N] [--connections N] [--only hello,db,start,local-start,claims,peers,operator]
                          [--functions N] [--operator-concurrency N] [--write]
  peers: the seed hello on Deno.serve, @hono/node-server and workerd beside bare Fastify and the host
  operator: a real control plane (test/kube binaries), the operator process, --functions hello Functions
  applied at once; the time until every status is written and the operator's RSS.
  cpu (not in the default set): CPU µs per hello request of each thread, bare Fastify and the host, at
  --rate requests a second (default 4000) for --duration seconds, --rounds times; printed, not written.`,
  );
  process.exit(0);
}
const durationSeconds = Number(values.duration);
const rounds = Math.max(1, Number(values.rounds));
const connections = Number(values.connections);
const only = new Set(values.only.split(','));
const HOST_ENTRY = path.join(import.meta.dirname, '../runtime-image/src/main.ts');
const BARE_ENTRY = path.join(import.meta.dirname, 'servers/bare-fastify.ts');
const BBFN_ENTRY = path.join(import.meta.dirname, '../bin/bbfn.js');
const EXAMPLES_DIR = path.join(import.meta.dirname, '../examples');
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';

const rows: ResultRow[] = [];
if (only.has('operator')) {
  const operator = await measureOperatorScale({
    count: Number(values.functions),
    concurrency: Number(values['operator-concurrency']),
  });
  rows.push({ scenario: 'operator', operator });
  console.log(
    `operator: ${operator.functions} Functions, every status in ${operator.allStatusSeconds.toFixed(1)} s; RSS peak ${operator.rssPeakMiB.toFixed(0)} MiB`,
  );
}
const work = await mkdtemp(path.join(os.tmpdir(), 'bbfn-bench-'));
const usesPostgres = ['hello', 'db', 'start', 'claims', 'cpu'].some((name) => only.has(name));
const postgres = usesPostgres
  ? await startEmbeddedPostgres({ dataDir: path.join(work, 'data') })
  : { url: '', stop: async () => {} };
try {
  if (usesPostgres) {
    await migrate(postgres.url);
    await withClient(postgres.url, (admin) => admin.query(BENCH_SCHEMA));
  }

  async function functionFile(name: string, code: string, auth: 'none' | 'required'): Promise<string> {
    const file = path.join(work, `${name}.json`);
    const definition = {
      name,
      appId: 'bench',
      code,
      trigger: { type: 'http', config: { method: 'GET', auth } },
    };
    await writeFile(file, JSON.stringify(definition));
    return file;
  }
  const hostEnv = (file: string) => ({
    // One serving worker, as the baseline has one thread serving HTTP: the comparison is
    // of what a request costs, and on this machine the load generator takes a core of
    // its own. A pod's default follows its CPU limit (runtime-image/src/cpu-limit.ts).
    BBFN_WORKERS: '1',
    PORT: '0',
    BBFN_LISTEN_ADDRESS: '127.0.0.1',
    BBFN_FUNCTION_FILE: file,
    DATABASE_URL: postgres.url,
    BBFN_JWT_SECRET: JWT_SECRET,
    // Records and console lines spooled on their way to Postgres, as a pod's emptyDir has them.
    BBFN_SPOOL_DIR: path.join(work, 'spool'),
    LOG_LEVEL: 'info',
  });

  /**
   * Both servers up at once, loaded in turns (baseline, host, baseline, host…) so that
   * drift in a shared machine's speed lands on both sides; each side reports its median
   * round.
   */
  async function compare(
    name: string,
    bareArgs: string[],
    hostFile: string,
    headers: Record<string, string> = {},
  ) {
    const bare = await startServerProcess([BARE_ENTRY, ...bareArgs]);
    const host = await startServerProcess([HOST_ENTRY], hostEnv(hostFile));
    const baselineRounds: LoadResult[] = [];
    const hostRounds: LoadResult[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        baselineRounds.push(await runLoad(bare.url, { durationSeconds, connections, headers }));
        hostRounds.push(
          await runLoad(`${host.url}/v1/bench/fn/${name}`, { durationSeconds, connections, headers }),
        );
      }
    } finally {
      await Promise.all([bare.stop(), host.stop()]);
    }
    const baseline = medianRound(baselineRounds);
    const ours = medianRound(hostRounds);
    rows.push({ scenario: name, baseline, ours, ratios: pairedRatios(baselineRounds, hostRounds) });
    console.log(
      `${name}: baseline ${baseline.requestsPerSecond.toFixed(0)} req/s, host ${ours.requestsPerSecond.toFixed(0)} req/s`,
    );
  }

  if (only.has('hello'))
    await compare('hello', ['hello'], await functionFile('hello', HELLO_HANDLER, 'none'));
  if (only.has('cpu')) {
    // Not in RESULTS.md: the README's account of the hello path's microseconds comes from it.
    const bare = await startServerProcess([BARE_ENTRY, 'hello']);
    const host = await startServerProcess(
      [HOST_ENTRY],
      hostEnv(await functionFile('hello', HELLO_HANDLER, 'none')),
    );
    try {
      const load = { rate: Number(values.rate), seconds: durationSeconds };
      for (let round = 0; round < rounds; round++) {
        const bareCpu = await measureCpuPerRequest(bare.child.pid!, bare.url, load);
        const hostCpu = await measureCpuPerRequest(host.child.pid!, `${host.url}/v1/bench/fn/hello`, load);
        console.log(formatCpuPerRequest('bare Fastify', bareCpu));
        console.log(formatCpuPerRequest('runtime host', hostCpu));
      }
    } finally {
      await Promise.all([bare.stop(), host.stop()]);
    }
  }
  if (only.has('db')) {
    const token = await signUserToken({ secret: JWT_SECRET, userId: 'user-1', expiresIn: 3600 });
    await compare('db', ['db', postgres.url], await functionFile('db', DB_HANDLER, 'required'), {
      authorization: `Bearer ${token}`,
    });
  }
  /**
   * What the image runs: the bundle, with a V8 compile cache warmed once (the image
   * build does the same), on a database that is already migrated. The handler comes
   * compiled, as the operator mounts it (compile/mounted-bundle.ts).
   */
  async function podAsImageRunsIt(): Promise<() => ReturnType<typeof startServerProcess>> {
    const { main, env } = await imageAndHello();
    return () => startServerProcess([main], env);
  }
  /** The same image and function, as a warm pool process that is handed the function later. */
  async function poolAsImageRunsIt() {
    const { main, env, bundle } = await imageAndHello();
    const {
      BBFN_FUNCTION_FILE,
      BBFN_BUNDLE_FILE,
      DATABASE_URL,
      BBFN_JWT_SECRET,
      BBFN_MIGRATE,
      ...processEnv
    } = env;
    const pool = () => startServerProcess([main], poolEnv(processEnv));
    const fn: WarmFunction = {
      function: JSON.parse(await readFile(BBFN_FUNCTION_FILE!, 'utf8')),
      bundle,
      env: { DATABASE_URL: DATABASE_URL!, BBFN_JWT_SECRET: BBFN_JWT_SECRET!, BBFN_MIGRATE: BBFN_MIGRATE! },
      path: '/v1/bench/fn/hello',
    };
    return { pool, fn };
  }
  let imageBuilt: Promise<{ main: string; env: Record<string, string>; bundle: string }> | undefined;
  function imageAndHello() {
    imageBuilt ??= (async () => {
      const { main } = await buildRuntime();
      const file = await functionFile('hello', HELLO_HANDLER, 'none');
      const bundleFile = path.join(work, 'hello.mjs');
      const bundle = (await compileHandler(HELLO_HANDLER, { filename: 'hello.ts' })).code;
      await writeFile(bundleFile, bundle);
      const env = {
        ...hostEnv(file),
        BBFN_BUNDLE_FILE: bundleFile,
        BBFN_MIGRATE: 'false',
        NODE_COMPILE_CACHE: path.join(work, 'compile-cache'),
      };
      return { main, env, bundle };
    })();
    return imageBuilt;
  }

  if (only.has('start')) {
    // Cold (spawn → first response) and warm (a pool process handed the function →
    // first response) in turns, so the machine's drift lands on both.
    const startPod = await podAsImageRunsIt();
    const { pool, fn } = await poolAsImageRunsIt();
    await (await startPod()).stop();
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const host = await startPod();
      const response = await fetch(`${host.url}/v1/bench/fn/hello`);
      await response.text();
      cold.push(performance.now() - started);
      await host.stop();
      warm.push(await warmStartMs(pool, fn));
    }
    for (const [scenario, samples] of [
      ['start', cold],
      ['warm-start', warm],
    ] as const) {
      samples.sort((a, b) => a - b);
      rows.push({ scenario, startMs: { p50: samples[3]!, min: samples[0]!, max: samples[6]! } });
      console.log(`${scenario} → first response: p50 ${samples[3]!.toFixed(0)} ms`);
    }
  }
  if (only.has('local-start')) {
    // `bbfn start` on a data directory that already exists (the usual restart): Postgres,
    // migrations, every example compiled and deployed, then the first hello answered.
    const dataDir = path.join(work, 'local-data');
    const args = [BBFN_ENTRY, 'start', EXAMPLES_DIR, '--port', '0', '--data', dataDir, '--no-watch'];
    const samples: number[] = [];
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      const platform = await startServerProcess(args, {}, 120_000, / at (http:\/\/127\.0\.0\.1:\d+)$/);
      await (await fetch(`${platform.url}/v1/demo/fn/hello`)).text();
      if (i > 0) samples.push(performance.now() - started);
      await platform.stop();
    }
    samples.sort((a, b) => a - b);
    rows.push({ scenario: 'local-start', startMs: { p50: samples[1]!, min: samples[0]!, max: samples[2]! } });
    console.log(`local platform start → first response: p50 ${samples[1]!.toFixed(0)} ms`);
  }
  if (only.has('claims')) {
    const claims = await measureClaims(postgres.url, { concurrency: 100, durationMs: 3000 });
    rows.push({ scenario: 'claims', claims });
    console.log(`claims: ${claims.perSecond.toFixed(0)}/s; one key x100 → ${claims.winnersOfOneKey} true`);
  }
  if (only.has('peers')) {
    const handlerFile = path.join(work, 'hello-handler.mjs');
    await writeFile(handlerFile, HELLO_HANDLER);
    const hostFile = await functionFile('hello', HELLO_HANDLER, 'none');
    // The host prints its own address; the function is below it.
    const atHello = (start: () => ReturnType<typeof startServerProcess>) => async () => {
      const started = await start();
      return { ...started, url: `${started.url}/v1/bench/fn/hello` };
    };
    const row = await comparePeers({
      bare: () => startServerProcess([BARE_ENTRY, 'hello']),
      host: atHello(() => startServerProcess([HOST_ENTRY], hostEnv(hostFile))),
      hostStart: atHello(await podAsImageRunsIt()),
      peers: peerServers(work, handlerFile, HELLO_HANDLER),
      startOnly: [nodeHttpServer()],
      rounds,
      durationSeconds,
      connections,
      starts: 7,
    });
    rows.push(row);
  }
  await writeResults(rows, { durationSeconds, rounds, connections, write: values.write });
} finally {
  await postgres.stop();
  await rm(work, { recursive: true, force: true });
}
