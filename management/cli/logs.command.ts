import { setTimeout as sleep } from 'node:timers/promises';
import { parseCommandArgs } from '../../local/cli/args.ts';
import { parseRequest } from '../parse-request.ts';
import { type LogLineOut, logsQuerySchema } from '../schemas.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, functionTarget } from './connection.ts';
import { printJson } from './table.ts';

const USAGE = `Usage: bbfn logs APP_ID/NAME [options]

Prints a function's console lines through the management API (manage_function
"get_logs"), oldest first, each with its invocation's id, status, outcome, duration and
error. Works against the local platform and a cluster's URL alike.

Options:
  --since WHEN       Lines at or after: a duration back from now (30s, 10m, 2h, 1d) or an ISO time
  --until WHEN       Lines at or before (same forms)
  --id ID            Only one invocation's lines
  --level LEVEL      This level and above: debug, info, warn, error
  --text TEXT        Lines containing TEXT (case-insensitive)
  --limit N          The newest N lines (default 100, at most 1000)
  -f, --follow       Keep printing new lines (every second, until Ctrl-C)
${CONNECTION_HELP}`;

/** `10m` → that long ago; an ISO time as it is. */
export function parseWhen(value: string, now = Date.now()): string {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (match) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(match[1]) * unit * 1000).toISOString();
  }
  if (Number.isNaN(Date.parse(value)))
    throw new Error(`give a time as 30s, 10m, 2h, 1d or ISO 8601, got "${value}"`);
  return new Date(value).toISOString();
}

function print(line: LogLineOut): void {
  // The first line of the message: a thrown error's stack stays in the JSON (--json).
  const message = line.error?.message?.split('\n')[0];
  const error = line.error ? ` ${line.error.code}${message ? `: ${message}` : ''}` : '';
  console.log(
    `${line.time} ${line.level.padEnd(5)} ${line.message}    [${line.invocation_id} ${line.status ?? '-'} ${line.outcome}${error} ${line.duration_ms.toFixed(1)} ms]`,
  );
}

export async function runLogs(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      since: { type: 'string' },
      until: { type: 'string' },
      id: { type: 'string' },
      level: { type: 'string' },
      text: { type: 'string' },
      limit: { type: 'string', default: '100' },
      follow: { type: 'boolean', short: 'f', default: false },
      ...CONNECTION_OPTIONS,
    },
    USAGE,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  const { appId, name } = functionTarget(parsed.positionals[0], USAGE);
  const query = parseRequest(logsQuerySchema, {
    ...(v.since ? { since: parseWhen(v.since) } : {}),
    ...(v.until ? { until: parseWhen(v.until) } : {}),
    ...(v.id ? { invocation_id: v.id } : {}),
    ...(v.level ? { level: v.level } : {}),
    ...(v.text ? { text: v.text } : {}),
    limit: v.limit,
  });
  const api = await connect(v);
  const seen = new Set<string>();
  let since = query.since;
  do {
    const { lines } = await api.logs(appId, name, { ...query, ...(since ? { since } : {}) });
    if (v.json && !v.follow) {
      printJson({ lines });
      return 0;
    }
    for (const line of lines.reverse()) {
      const key = `${line.invocation_id} ${line.time} ${line.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (v.json) console.log(JSON.stringify(line));
      else print(line);
      if (!since || line.time > since) since = line.time;
    }
    if (v.follow) await sleep(1000);
  } while (v.follow);
  return 0;
}
