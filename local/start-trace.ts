/**
 * Where a `bbfn start` spends its time: with BBFN_TRACE_START=1, each step prints one
 * line on stderr, `start-trace <ms since the process began> <CPU ms of all its threads> <step>`. Off by default;
 * it is how the start was measured (README, "Benchmarks").
 */
const enabled = process.env.BBFN_TRACE_START === '1';

export function traceStart(step: string): void {
  if (!enabled) return;
  const { user, system } = process.cpuUsage();
  const cpuMs = ((user + system) / 1000).toFixed(0).padStart(5);
  process.stderr.write(`start-trace ${performance.now().toFixed(0).padStart(5)} ${cpuMs} ${step}\n`);
}
