import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { databaseUrl } from '../../runtime-image/src/db/database-url.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import type { InvocationWithLines, LogLevel } from '../../runtime-image/src/invocations/types.ts';
import { appDatabaseName } from '../app-database.ts';
import { PLATFORM_STATE_FILE } from '../platform.ts';
import { DEFAULT_DATA_DIR, parseCommandArgs } from './args.ts';

const USAGE = `Usage: bbfn logs APP_ID/NAME [options]

Prints recent invocations of a function of the running local platform, oldest first,
each with the console lines it captured (also those of its ctx.waitUntil work).

Options:
  --since DURATION   Only invocations newer than this (e.g. 10m, 2h, 1d)
  --id ID            One invocation by id
  --level LEVEL      Only lines at or above: debug, info, warn, error
  --limit N          How many invocations (default 20)
  -f, --follow       Keep printing new invocations
  --data DIR         Data directory of the local platform (default ${DEFAULT_DATA_DIR})
  -h, --help         Show this help`;

function parseSince(value: string): Date {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`--since must look like 30s, 10m, 2h or 1d, got "${value}"`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return new Date(Date.now() - Number(match[1]) * unit * 1000);
}

function print(invocation: InvocationWithLines): void {
  const error = invocation.errorCode ? ` ${invocation.errorCode}` : '';
  console.log(
    `${invocation.startedAt.toISOString()} ${invocation.id} ${invocation.trigger} ${invocation.method ?? ''} ${invocation.statusCode ?? ''} ${invocation.outcome}${error} ${invocation.durationMs.toFixed(1)} ms`,
  );
  for (const line of invocation.lines)
    console.log(`    ${line.at.toISOString()} ${line.level.padEnd(5)} ${line.message}`);
}

export async function runLogs(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      since: { type: 'string' },
      id: { type: 'string' },
      level: { type: 'string' },
      limit: { type: 'string', default: '20' },
      follow: { type: 'boolean', short: 'f', default: false },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const target = parsed.positionals[0];
  const [appId, name] = target?.split('/') ?? [];
  if (!appId || !name) throw new Error(`name the function as APP_ID/NAME\n\n${USAGE}`);
  const level = parsed.values.level as LogLevel | undefined;
  if (level && !['debug', 'info', 'warn', 'error'].includes(level))
    throw new Error(`--level must be debug, info, warn or error`);
  const stateFile = path.resolve(String(parsed.values.data), PLATFORM_STATE_FILE);
  const state = JSON.parse(
    await readFile(stateFile, 'utf8').catch(() => {
      throw new Error(`the local platform has not run here (no ${stateFile}); start it with npm start`);
    }),
  ) as { postgresUrl: string };
  const pool = new pg.Pool({
    connectionString: databaseUrl(state.postgresUrl, appDatabaseName(appId)),
    max: 1,
  });
  try {
    let since = parsed.values.since ? parseSince(parsed.values.since) : undefined;
    const seen = new Set<string>();
    do {
      const invocations = await queryInvocations(pool, {
        appId,
        functionName: name,
        ...(since ? { since } : {}),
        ...(parsed.values.id ? { invocationId: parsed.values.id } : {}),
        ...(level ? { level } : {}),
        limit: Number(parsed.values.limit),
      }).catch((error: unknown) => {
        throw new Error('cannot reach the local platform database; is npm start running?', { cause: error });
      });
      for (const invocation of invocations.reverse()) {
        if (seen.has(invocation.id)) continue;
        seen.add(invocation.id);
        print(invocation);
        if (!since || invocation.startedAt > since) since = invocation.startedAt;
      }
      if (parsed.values.follow) await sleep(1000);
    } while (parsed.values.follow);
  } finally {
    await pool.end();
  }
  return 0;
}
