import { describe, expect, it } from 'vitest';
import { validateCronSchedule, validateTimeZone } from './cron-schedule.ts';
import { functionSchema } from './function.types.ts';

describe('validateCronSchedule', () => {
  it.each([
    '0 9 * * *',
    '*/5 * * * *',
    '0 0 1 JAN MON-FRI',
    '0 0 ? * *',
    '15,45 8-18/2 * * 1-5',
    '0 0 1 jul *',
    '@daily',
    '@hourly',
    '  0 9 * * *  ',
  ])('accepts %j', (schedule) => {
    expect(validateCronSchedule(schedule)).toBeNull();
  });

  it.each([
    ['61 * * * *', /^invalid cron expression "61 \* \* \* \*": .*minute.*61/],
    ['* * * * * *', /6 fields given, but seconds are not supported; use 5 fields/],
    ['0 0 9 * * * *', /7 fields given, but seconds and years are not supported/],
    ['0 9 * *', /4 fields given; use 5 fields/],
    ['', /it is empty/],
    ['a b c d e', /illegal characters/],
    ['0 0 L * *', /"L" \(last day\) is not standard cron syntax/],
    ['0 0 * * FRIL', /"L" \(last day\)/],
    ['0 0 15W * *', /"W" \(nearest weekday\)/],
    ['0 0 * * 5#2', /"#" \(nth weekday\)/],
    ['0 0 * * MONDAY', /^invalid cron expression/],
    ['@reboot', /@reboot is not supported/],
  ])('refuses %j', (schedule, message) => {
    expect(validateCronSchedule(schedule)).toMatch(message);
  });

  it('checks the time zone after the schedule', () => {
    expect(validateCronSchedule('0 9 * * *', 'Europe/Stockholm')).toBeNull();
    expect(validateCronSchedule('0 9 * * *', 'Mars/Olympus')).toMatch(/invalid time zone "Mars\/Olympus"/);
    expect(validateCronSchedule('61 * * * *', 'Mars/Olympus')).toMatch(/invalid cron expression/);
  });
});

describe('validateTimeZone', () => {
  it.each(['UTC', 'Etc/UTC', 'Europe/Stockholm', 'America/Port-au-Prince', 'Etc/GMT+2'])(
    'accepts %j',
    (tz) => {
      expect(validateTimeZone(tz)).toBeNull();
    },
  );

  it.each([
    ['Mars/Olympus', /IANA time zone name/],
    ['+02:00', /IANA time zone name/],
    ['', /IANA time zone name/],
    ['utc', /case-sensitive, use "UTC"/],
    ['europe/stockholm', /use "Europe\/Stockholm"/],
  ])('refuses %j', (tz, message) => {
    expect(validateTimeZone(tz)).toMatch(message);
  });
});

describe('the cron trigger schema', () => {
  const parse = (config: Record<string, unknown>) =>
    functionSchema.safeParse({
      apiVersion: 'butterbase.ai/v1alpha1',
      kind: 'Function',
      metadata: { name: 'job' },
      spec: { appId: 'demo', code: 'export async function handler() {}', trigger: { type: 'cron', config } },
    });

  it('enforces the schedule and the time zone at their own paths', () => {
    expect(parse({ schedule: '*/5 * * * *', timeZone: 'Europe/Stockholm' }).success).toBe(true);
    const result = parse({ schedule: '* * * * * *', timeZone: 'Nowhere/City' });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['spec.trigger.config.schedule', expect.stringContaining('seconds are not supported')],
      ['spec.trigger.config.timeZone', expect.stringContaining('invalid time zone')],
    ]);
  });
});
