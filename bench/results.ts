import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClaimsResult } from './claims.ts';
import type { LoadResult } from './load.ts';
import type { PeersRow } from './peers/compare-peers.ts';

export type ResultRow =
  | { scenario: string; baseline: LoadResult; ours: LoadResult; ratios: { throughput: number; p99: number } }
  | { scenario: 'start' | 'local-start'; startMs: { p50: number; min: number; max: number } }
  | { scenario: 'claims'; claims: ClaimsResult }
  | PeersRow;

const TARGETS: Record<string, string> = {
  hello: '≥ 0.75× throughput, p99 ≤ 1.5×',
  db: '≥ 0.8× throughput',
  start: '≤ 100 ms',
  'local-start': '≤ 1 s',
  claims: 'exactly one true; ≥ 3,000 claims/s',
};

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function renderTable(rows: ResultRow[]): string {
  const lines = [
    '| scenario | baseline | runtime host | ratio | target |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    if (row.scenario === 'peers') continue;
    if ('baseline' in row) {
      const { baseline: b, ours: o } = row;
      const { throughput: ratio, p99 } = row.ratios;
      const failures = o.errors + o.non2xx > 0 ? ` (${o.errors} errors, ${o.non2xx} non-2xx)` : '';
      lines.push(
        `| ${row.scenario} | ${fmt(b.requestsPerSecond)} req/s, p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms | ${fmt(o.requestsPerSecond)} req/s, p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms${failures} | ${fmt(ratio, 2)}× throughput, p99 ${fmt(p99, 2)}× | ${TARGETS[row.scenario] ?? ''} |`,
      );
    } else if ('startMs' in row) {
      const s = row.startMs;
      const what =
        row.scenario === 'start'
          ? 'runtime pod start → first response'
          : '`bbfn start` (restart) → first response';
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
    const load = s.load ? `${fmt(s.load.requestsPerSecond)} req/s, p99 ${s.load.p99Ms} ms` : '—';
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
  const peers = rows.find((row): row is PeersRow => row.scenario === 'peers');
  const table =
    renderTable(rows) +
    (peers
      ? `\n\nPeers (targets: host ≥ 0.75× of bare Fastify and of Deno.serve, p99 ≤ 1.5×):\n\n${renderPeers(peers)}`
      : '');
  console.log(`\n${table}\n`);
  if (!options.write) return;
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const text = `# Benchmark results

Latest run of \`npm run bench -- --write\` (${new Date().toISOString().slice(0, 10)}).
Machine: ${machine}.
Load: autocannon, ${options.connections} connections, on loopback, ${options.rounds} rounds of ${options.durationSeconds} s per side
taken in turns (baseline, host, baseline…); each side shows its median round, and each ratio is the median of
the rounds' ratios (every host round against the baseline round just before it). The load generator shares the
machine's cores with the servers, equally for both sides.

${table}

Baselines: \`bench/servers/bare-fastify.ts\` (bare Fastify writing the same bytes; for \`db\`, the same query on a
plain pg pool). Runtime host: \`runtime-image/src/main.ts\` as a pod runs it, with one serving worker
(\`BBFN_WORKERS=1\`: one thread serving HTTP, as the baseline has) that runs the handler in its own
thread, auth, and invocation records written to Postgres by the main thread. \`start\` runs the esbuild bundle (\`npm run build\`)
with a V8 compile cache warmed once, as an image would, and the handler compiled beforehand, as the operator mounts it.
`;
  await writeFile(path.join(import.meta.dirname, 'RESULTS.md'), text);
}
