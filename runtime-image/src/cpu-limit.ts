import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Serving (or sandbox) workers when the container has no CPU limit and BBFN_WORKERS is unset. */
export const DEFAULT_SANDBOX_WORKERS = 2;
/** No more workers than this by default, whatever the limit: each holds a heap of its own. */
const MAX_DEFAULT_WORKERS = 8;

type ReadFile = (file: string) => string;
const readText: ReadFile = (file) => readFileSync(file, 'utf8');

/**
 * The CPUs the container may use by its cgroup quota (a Kubernetes CPU limit), or null
 * when it has none. Node's own count (os.availableParallelism) is the node's cores,
 * which a pod limited to one CPU would overrun with threads.
 */
export function cgroupCpuLimit(read: ReadFile = readText): number | null {
  try {
    // cgroup v2: "<quota> <period>", or "max <period>" for none.
    const [quota, period] = read('/sys/fs/cgroup/cpu.max').trim().split(/\s+/);
    if (quota === 'max') return null;
    const limit = Number(quota) / Number(period);
    return Number.isFinite(limit) && limit > 0 ? limit : null;
  } catch {
    // Not cgroup v2: try v1.
  }
  try {
    const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
    const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
    // A quota of -1 is v1's "no limit".
    return quota > 0 && period > 0 ? quota / period : null;
  } catch {
    return null;
  }
}

/**
 * How many workers serve a function by default: one per CPU of the container's limit
 * (rounded up, as a limit of 1.5 CPUs lets two threads run), never more than the cores
 * there are; two when there is no limit.
 */
export function defaultWorkers(limit = cgroupCpuLimit(), cores = availableParallelism()): number {
  if (limit === null) return DEFAULT_SANDBOX_WORKERS;
  return Math.max(1, Math.min(Math.ceil(limit), cores, MAX_DEFAULT_WORKERS));
}
