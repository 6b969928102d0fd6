/**
 * CPU time per request of each thread of a server, at a fixed request rate: where the
 * host's extra microseconds on the hello path go, beside bare Fastify serving the same
 * bytes (README, "Benchmarks"). Read from /proc/<pid>/task/<tid>/stat (utime + stime)
 * before and after a load of `rate` requests a second for `seconds`; threads are grouped
 * by their name (Node's main thread, worker threads, V8's and libuv's helpers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** Kernel clock ticks per second: what /proc's utime and stime count in (Linux: 100). */
const TICKS_PER_SECOND = 100;

export interface CpuPerRequest {
  requests: number;
  /** µs of CPU per request, by thread name, and `total`. */
  microsByThread: Record<string, number>;
}

function threadTicks(pid: number): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      // The fields after the parenthesised name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const used = Number(fields[11]) + Number(fields[12]);
      // Several threads share a name (libuv's pool, V8's workers); the main thread keeps its own.
      const key = tid === String(pid) ? `main (${name})` : name;
      ticks.set(key, (ticks.get(key) ?? 0) + used);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return ticks;
}

/** Loads `url` at `rate` requests a second for `seconds` and divides each thread's CPU by the requests. */
export async function measureCpuPerRequest(
  pid: number,
  url: string,
  options: { rate: number; seconds: number; connections?: number },
): Promise<CpuPerRequest> {
  if (!/^http:\/\/127\.0\.0\.1[:/]/.test(url)) throw new Error(`refusing to load a non-loopback URL: ${url}`);
  const before = threadTicks(pid);
  const result = await autocannon({
    url,
    connections: options.connections ?? 10,
    overallRate: options.rate,
    duration: options.seconds,
  });
  const after = threadTicks(pid);
  const requests = result.requests.total;
  const microsByThread: Record<string, number> = {};
  let total = 0;
  for (const [name, ticks] of after) {
    const used = ticks - (before.get(name) ?? 0);
    total += used;
    if (used > 0) microsByThread[name] = (used / TICKS_PER_SECOND / requests) * 1e6;
  }
  microsByThread.total = (total / TICKS_PER_SECOND / requests) * 1e6;
  return { requests, microsByThread };
}

export function formatCpuPerRequest(name: string, measured: CpuPerRequest): string {
  const threads = Object.entries(measured.microsByThread)
    .filter(([thread]) => thread !== 'total')
    .sort((a, b) => b[1] - a[1])
    .map(([thread, micros]) => `${thread} ${micros.toFixed(1)}`)
    .join(', ');
  return `${name}: ${measured.microsByThread.total!.toFixed(1)} µs CPU per request (${measured.requests} requests): ${threads}`;
}
