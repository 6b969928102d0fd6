import { describe, expect, it } from 'vitest';
import { cgroupCpuLimit, DEFAULT_SANDBOX_WORKERS, defaultWorkers } from './cpu-limit.ts';

/** A reader of the given files; any other path fails as a missing file does. */
function files(contents: Record<string, string>) {
  return (file: string) => {
    const text = contents[file];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return text;
  };
}

describe('cgroupCpuLimit', () => {
  it('reads a cgroup v2 quota, and "max" as no limit', () => {
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeNull();
  });

  it('reads a cgroup v1 quota, and -1 as no limit', () => {
    const v1 = (quota: string) =>
      files({
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': quota,
        '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
      });
    expect(cgroupCpuLimit(v1('50000\n'))).toBe(0.5);
    expect(cgroupCpuLimit(v1('-1\n'))).toBeNull();
  });

  it('is null where there is no cgroup to read', () => {
    expect(cgroupCpuLimit(files({}))).toBeNull();
  });
});

describe('defaultWorkers', () => {
  it('gives one worker per CPU of the limit, rounded up, within the cores there are', () => {
    expect(defaultWorkers(0.5, 16)).toBe(1);
    expect(defaultWorkers(1.5, 16)).toBe(2);
    expect(defaultWorkers(4, 2)).toBe(2);
    expect(defaultWorkers(64, 128)).toBe(8);
  });

  it('falls back to the default without a limit', () => {
    expect(defaultWorkers(null, 64)).toBe(DEFAULT_SANDBOX_WORKERS);
  });
});
