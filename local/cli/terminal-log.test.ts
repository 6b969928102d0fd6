import { describe, expect, it } from 'vitest';
import { createLogger } from '../../runtime-image/src/logger.ts';
import { formatLogLine, oneLine, terminalLogStream } from './terminal-log.ts';

const at = new Date(2026, 11, 5, 9, 41, 7).getTime();

describe('the log on a terminal', () => {
  it('prints a handler console line as one line: time, level, app, invocation, message', () => {
    const json = JSON.stringify({
      level: 40,
      time: at,
      name: 'bbfn-local',
      app: 'demo',
      invocationId: '01a24500-7186-7000-b1e2-1ae774565d6c',
      console: true,
      msg: 'careful\nvery careful',
    });
    expect(formatLogLine(json)).toBe('09:41:07 warn  demo [74565d6c] careful ⏎ very careful');
  });

  it('prints a failed invocation with its function, status, outcome and code', () => {
    const json = JSON.stringify({
      level: 40,
      time: at,
      invocationId: '01a24500-7186-7000-b1e2-1ae774565d6c',
      app: 'demo',
      fn: 'boom',
      trigger: 'http',
      status: 500,
      outcome: 'error',
      errorCode: 'FUNCTION_THREW',
      durationMs: 55.48,
      msg: 'invocation',
    });
    expect(formatLogLine(json)).toBe(
      '09:41:07 warn  demo/boom http 500 error FUNCTION_THREW 55.48 ms [74565d6c]',
    );
  });

  it('cuts a stack to where it was thrown, and keeps other fields and the error', () => {
    expect(oneLine('Error: kaboom\n    at handler (/boom.ts:3:9)\n    at run (/x.ts:1:1)')).toBe(
      'Error: kaboom (at handler (/boom.ts:3:9))',
    );
    const json = JSON.stringify({
      level: 50,
      time: at,
      msg: 'draining failed',
      fn: 'x',
      err: { message: 'gone' },
    });
    expect(formatLogLine(json)).toBe('09:41:07 error draining failed fn=x — gone');
    expect(formatLogLine('not json')).toBe('not json');
  });

  it('is what a pino logger writes through, one line per entry, colored when asked', async () => {
    const written: string[] = [];
    const log = createLogger({
      name: 'test',
      level: 'warn',
      destination: terminalLogStream({ write: (text) => written.push(text) }, true),
    });
    log.warn({ app: 'demo', invocationId: 'abcdefgh-12345678', console: true }, 'one');
    log.error({ app: 'demo', invocationId: 'abcdefgh-12345678', console: true }, 'two');
    log.info('below the level');
    // ESC written out, the time left out.
    expect(written.map((line) => line.replaceAll('\u001b', 'ESC').slice(8))).toEqual([
      ' ESC[33mwarn ESC[0m demo [12345678] one\n',
      ' ESC[31merrorESC[0m demo [12345678] two\n',
    ]);
  });
});
