import { formatWithOptions } from 'node:util';
import type { CapturedLine, LogLevel } from '../protocol.ts';
import { currentInvocation, lineCap } from './invocation-context.ts';

const MAX_LINE_LENGTH = 16 * 1024;

/**
 * Replaces the worker's console so that every line a handler (or its background
 * work) prints lands in its own invocation's buffer. Lines printed outside any
 * invocation (module top level) go to `orphan`, which the worker forwards.
 */
export function installConsoleCapture(orphan: (line: CapturedLine) => void): void {
  let orphanSeq = 0;
  const capture =
    (level: LogLevel) =>
    (...args: unknown[]): void => {
      const state = currentInvocation();
      // Past the cap a line is only counted (takeLines adds the marker), not even formatted.
      if (state && state.seq >= lineCap()) {
        state.dropped += 1;
        return;
      }
      let message = formatWithOptions({ colors: false, depth: 4 }, ...args);
      if (message.length > MAX_LINE_LENGTH) message = `${message.slice(0, MAX_LINE_LENGTH)}… [truncated]`;
      if (state?.finished) {
        // After its response and background work (a promise it did not hand to
        // ctx.waitUntil, say): nothing will collect its buffer again, so the line goes now.
        orphan({ invocationId: state.id, seq: state.seq++, at: Date.now(), level, message });
      } else if (state) {
        state.lines.push({ invocationId: state.id, seq: state.seq++, at: Date.now(), level, message });
      } else {
        orphan({ invocationId: null, seq: orphanSeq++, at: Date.now(), level, message });
      }
    };
  const levels: Record<'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace', LogLevel> = {
    log: 'info',
    info: 'info',
    warn: 'warn',
    error: 'error',
    debug: 'debug',
    trace: 'debug',
  };
  for (const [method, level] of Object.entries(levels)) {
    Object.defineProperty(console, method, { value: capture(level), writable: true, configurable: true });
  }
}
