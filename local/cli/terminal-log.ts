import type { DestinationStream } from 'pino';

/**
 * The platform's log for a person at a terminal: one readable line per pino entry
 * (a handler's console.warn, a failed invocation, a lifecycle message) instead of a
 * JSON object. `bbfn start` uses it when its log goes to a terminal and `--json` is
 * not given; otherwise the log stays pino JSON for machines.
 */
export function terminalLogStream(out: { write(text: string): unknown }, color: boolean): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') out.write(`${formatLogLine(line, color)}\n`);
    },
  };
}

const LEVELS: Record<number, [name: string, color: string]> = {
  10: ['trace', '90'],
  20: ['debug', '90'],
  30: ['info', '36'],
  40: ['warn', '33'],
  50: ['error', '31'],
  60: ['fatal', '31'],
};
/** Shown in their own place in the line, or not at all. */
const PLACED = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'name',
  'msg',
  'err',
  'console',
  'app',
  'invocationId',
]);

export function formatLogLine(json: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const [levelName, levelColor] = LEVELS[entry.level as number] ?? [String(entry.level), '0'];
  const level = color ? `\u001b[${levelColor}m${levelName.padEnd(5)}\u001b[0m` : levelName.padEnd(5);
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '--:--:--';
  const invocation = typeof entry.invocationId === 'string' ? ` [${entry.invocationId.slice(-8)}]` : '';
  const message = oneLine(entry.msg);
  if (entry.console === true) return `${time} ${level} ${entry.app}${invocation} ${message}`;
  if (message === 'invocation') {
    const code = entry.errorCode ? ` ${entry.errorCode}` : '';
    return `${time} ${level} ${entry.app}/${entry.fn} ${entry.trigger} ${entry.status ?? '-'} ${entry.outcome}${code} ${entry.durationMs} ms${invocation}`;
  }
  const fields = Object.entries(entry)
    .filter(([key, value]) => !PLACED.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const error = entry.err as { message?: string } | undefined;
  return [
    `${time} ${level}`,
    entry.app as string | undefined,
    message,
    ...fields,
    error?.message && `— ${oneLine(error.message)}`,
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * A message with newlines stays on its one line. A stack is cut to where it was
 * thrown: `Error: kaboom (at /boom.ts:3:9)`; `bbfn logs` keeps the whole message.
 */
export function oneLine(value: unknown): string {
  const lines = String(value ?? '').split(/\r?\n/);
  const frames = lines.filter((line) => /^\s+at /.test(line));
  const text = lines.filter((line) => !/^\s+at /.test(line)).join(' ⏎ ');
  return frames.length > 0 ? `${text} (${frames[0]!.trim()})` : text;
}
