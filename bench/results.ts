import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClaimsResult } from './claims.ts';
import type { LoadResult } from './load.ts';
import type { OperatorScaleResult } from './operator-scale.ts';
import type { PeersRow } from './peers/compare-peers.ts';

export type ResultRow =
  | { scenario: string; baseline: LoadResult; ours: LoadResult; ratios: { throughput: number; p99: number } }
  | { scenario: 'start' | 'warm-start' | 'local-start'; startMs: { p50: number; min: number; max: number } }
  | { scenario: 'claims'; claims: ClaimsResult }
  | { scenario: 'operator'; operator: OperatorScaleResult }
  | PeersRow;

/** Where RESULTS.md's operator section starts: a run without `operator` keeps the last one. */
const OPERATOR_HEADING = '## The operator at scale';

const TARGETS: Record<string, string> = {
  hello: '≥ 0.75× throughput, p99 ≤ 1.5×',
  db: '≥ 0.8× throughput',
  start: '≤ 100 ms',
  'warm-start': '≤ 100 ms',
  'local-start': '≤ 1 s',
  claims: 'exactly one true; ≥ 3,000 claims/s',
};

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A latency measured in µs, shown in ms to the hundredth: 2,340 µs → "2.34 ms". */
function ms(microseconds: number): string {
  return `${fmt(microseconds / 1000, 2)} ms`;
}

export function renderTable(rows: ResultRow[]): string {
  const lines = [
    '| scenario | baseline | runtime host | ratio | target |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    if ('operator' in row || row.scenario === 'peers') continue;
    if ('baseline' in row) {
      const { baseline: b, ours: o } = row;
      const { throughput: ratio, p99 } = row.ratios;
      const failures = o.errors + o.non2xx > 0 ? ` (${o.errors} errors, ${o.non2xx} non-2xx)` : '';
      lines.push(
        `| ${row.scenario} | ${fmt(b.requestsPerSecond)} req/s, p50 ${ms(b.p50Us)}, p99 ${ms(b.p99Us)} | ${fmt(o.requestsPerSecond)} req/s, p50 ${ms(o.p50Us)}, p99 ${ms(o.p99Us)}${failures} | ${fmt(ratio, 2)}× throughput, p99 ${fmt(p99, 2)}× | ${TARGETS[row.scenario] ?? ''} |`,
      );
    } else if ('startMs' in row) {
      const s = row.startMs;
      const what = {
        start: 'runtime pod start → first response',
        'warm-start': 'warm pool process: function handed over → first response',
        'local-start': '`bbfn start` (restart) → first response',
      }[row.scenario];
      lines.push(
        `| ${what} | — | p50 ${fmt(s.p50)} ms (min ${fmt(s.min)}, max ${fmt(s.max)}) | — | ${TARGETS[row.scenario]} |`,
      );
    } else if ('claims' in row) {
      const c = row.claims;
      lines.push(
        `| idempotency.claim | — | ${fmt(c.perSecond)} claims/s; 100 racing one key → ${c.winnersOfOneKey} true | — | ${TARGETS.claims} |`,
      );
    }
  }
  return lines.join('\n');
}

export function renderOperatorSection(o: OperatorScaleResult, machine: string): string {
  return `${OPERATOR_HEADING}

Latest run of \`npm run bench -- --only operator --write\` (${new Date().toISOString().slice(0, 10)}).
Machine: ${machine} (shared with other work while it ran: timings are noisy).
A real control plane (test/kube: etcd, kube-apiserver, kube-controller-manager; no nodes), the operator as its
image runs it (its bundle, its own process, the Dockerfile's \`NODE_OPTIONS\`, \`BBFN_OPERATOR_CONCURRENCY=${o.concurrency}\`), then
${fmt(o.functions)} hello Functions in one \`kubectl apply --server-side\`; timed from the apply's start until every
Function's status is written for its generation. RSS: the operator process's VmRSS, sampled every 250 ms.
Load average when the apply started: ${fmt(o.loadAverage, 1)} (on ${os.cpus().length} cores). The API server shares the
machine, so the times follow its load; the operator's CPU time is its own cost.

| what | measured | target |
| --- | --- | --- |
| ${fmt(o.functions)} Functions applied (\`kubectl apply --server-side\`) | ${fmt(o.applySeconds, 1)} s | — |
| → every status written | ${fmt(o.allStatusSeconds, 1)} s (${fmt(o.perSecond)} Functions/s; ${fmt(o.deployed)} deployed, the rest pending: no node runs their pods; ${fmt(o.retried)} reconciles retried) | < 60 s |
| operator CPU time for all of them | ${fmt(o.cpuSeconds, 1)} s (${fmt((o.cpuSeconds * 1000) / o.functions, 1)} ms a Function) | — |
| operator RSS | peak ${fmt(o.rssPeakMiB)} MiB, ${fmt(o.rssEndMiB)} MiB at the end | < 200 MiB |

Before (issue 18, the operator run from source, one reconcile at a time, a /24 Service range): 253
Functions deployed at ~6 a second, the rest failed for want of Service IPs, and RSS reached 693 MiB. What
changed is in the README ("The operator": where the time and memory of 1,000 Functions went).
`;
}

function machineLine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** The seed's hello on each runtime a user might pick instead, beside bare Fastify and the host. */
export function renderPeers(row: PeersRow): string {
  const ratio = (r: { throughput: number; p99: number } | null) =>
    r ? `${fmt(r.throughput, 2)}× throughput, p99 ${fmt(r.p99, 2)}×` : '—';
  const host = row.servers.find((s) => s.name === 'runtime host');
  const lines = [
    '| server | hello | vs bare Fastify | runtime host vs it | spawn → first 200 (p50) | host start vs it |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of row.servers) {
    const load = s.load
      ? `${fmt(s.load.requestsPerSecond)} req/s, p50 ${ms(s.load.p50Us)}, p99 ${ms(s.load.p99Us)}`
      : '—';
    const start = s.startMs === null ? '—' : `${fmt(s.startMs)} ms`;
    const startRatio =
      s.startMs !== null && host?.startMs && s !== host ? `${fmt(host.startMs / s.startMs, 2)}×` : '—';
    lines.push(
      `| ${s.name} | ${load} | ${ratio(s.vsBare)} | ${ratio(s.hostVs)} | ${start} | ${startRatio} |`,
    );
  }
  return lines.join('\n');
}

export async function writeResults(
  rows: ResultRow[],
  options: { durationSeconds: number; rounds: number; connections: number; write: boolean },
): Promise<void> {
  const machine = machineLine();
  const operatorRow = rows.find((row) => 'operator' in row);
  const operatorSection = operatorRow && renderOperatorSection(operatorRow.operator, machine);
  const runtimeRows = rows.filter((row) => !('operator' in row));
  const peers = rows.find((row): row is PeersRow => row.scenario === 'peers');
  // A run of peers alone has no row for the main table: no empty header then.
  const mainRows = runtimeRows.filter((row) => row.scenario !== 'peers');
  const table = [
    mainRows.length > 0 ? renderTable(mainRows) : '',
    peers
      ? `Peers (targets: host ≥ 0.75× of bare Fastify and of Deno.serve, p99 ≤ 1.5×):\n\n${renderPeers(peers)}`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  if (runtimeRows.length > 0) console.log(`\n${table}\n`);
  if (operatorSection) console.log(`\n${operatorSection}`);
  if (!options.write) return;
  // Each part of the file is rewritten only by a run that measured it.
  const file = path.join(import.meta.dirname, 'RESULTS.md');
  const previous = await readFile(file, 'utf8').catch(() => '');
  const cut = previous.indexOf(OPERATOR_HEADING);
  const previousRuntime = (cut === -1 ? previous : previous.slice(0, cut)).trimEnd();
  // The operator's section runs to the next heading; what follows (the e2e figures) stays.
  const next = cut === -1 ? -1 : previous.indexOf('\n## ', cut + 1);
  const previousOperator = cut === -1 ? '' : previous.slice(cut, next === -1 ? undefined : next);
  const rest = next === -1 ? '' : previous.slice(next).trim();
  const runtimeText =
    runtimeRows.length === 0
      ? previousRuntime
      : `# Benchmark results

Latest run of \`npm run bench -- --write\` (${new Date().toISOString().slice(0, 10)}).
Machine: ${machine}.
Load: autocannon, ${options.connections} connections, on loopback, ${options.rounds} rounds of ${options.durationSeconds} s per side
(latencies per request to the µs, bench/latency.ts), taken in turns (baseline, host, baseline…); each side shows its median round, and each ratio is the median of
the rounds' ratios (every host round against the baseline round just before it). The load generator shares the
machine's cores with the servers, equally for both sides.

${table}

Baselines: \`bench/servers/bare-fastify.ts\` (bare Fastify writing the same bytes; for \`db\`, the same query on a
plain pg pool). Runtime host: \`runtime-image/src/main.ts\` as a pod runs it, with one serving worker
(\`BBFN_WORKERS=1\`: one thread serving HTTP, as the baseline has) that runs the handler in its own
thread, auth, and invocation records written to Postgres by the main thread. \`start\` runs the esbuild bundle (\`npm run build\`)
with a V8 compile cache warmed once, as an image would, and the handler compiled beforehand, as the operator mounts it.
\`warm-start\` is the same image as a warm pool process (\`BBFN_POOL_PORT\`, runtime-image/src/pool/), started and left
to warm up untimed, then timed from the specialize request that hands it the function to the function's first
response; cold and warm starts are taken in turns.
`.trimEnd();
  const operatorText = (operatorSection ?? previousOperator).trimEnd();
  await writeFile(file, `${[runtimeText, operatorText, rest].filter(Boolean).join('\n\n')}\n`);
}
