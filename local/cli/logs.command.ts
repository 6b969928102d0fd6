import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { databaseUrl } from '../../runtime-image/src/db/database-url.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import type { InvocationWithLines, LogLevel } from '../../runtime-image/src/invocations/types.ts';
import { appDatabaseName } from '../app-database.ts';
import { findRunningPlatform, type PlatformState } from '../platform-state.ts';
import { DEFAULT_DATA_DIR, parseCommandArgs, resolveDataDir } from './args.ts';

const USAGE = `Usage: bbfn logs APP_ID/NAME [options]

Prints recent invocations of a function of the running local platform, oldest first,
each with the console lines it captured (also those of its ctx.waitUntil work). A
failed invocation shows its error code and message. An app or function the platform
does not know is an error (exit 1).

Options:
  --since DURATION   Only invocations newer than this (e.g. 10m, 2h, 1d)
  --id ID            One invocation by id
  --level LEVEL      Only lines at or above: debug, info, warn, error
  --limit N          How many invocations (default 20)
  -f, --follow       Keep printing new invocations
  --data DIR         Data directory of the local platform (default ${DEFAULT_DATA_DIR} in the project)
  -h, --help         Show this help`;

function parseSince(value: string): Date {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`--since must look like 30s, 10m, 2h or 1d, got "${value}"`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return new Date(Date.now() - Number(match[1]) * unit * 1000);
}

export function formatInvocation(invocation: InvocationWithLines): string[] {
  const error = invocation.errorCode
    ? ` ${invocation.errorCode}${invocation.errorMessage ? `: ${invocation.errorMessage}` : ''}`
    : '';
  return [
    `${invocation.startedAt.toISOString()} ${invocation.id} ${invocation.trigger} ${invocation.method ?? ''} ${invocation.statusCode ?? ''} ${invocation.outcome}${error} ${invocation.durationMs.toFixed(1)} ms`,
    ...invocation.lines.map((line) => `    ${line.at.toISOString()} ${line.level.padEnd(5)} ${line.message}`),
  ];
}

/** The platform running on the data directory, or an error that says how to get one. */
async function runningPlatform(dataDir: string): Promise<PlatformState> {
  const running = await findRunningPlatform(dataDir);
  if (!running)
    throw new BbfnError(
      'LOCAL_NOT_RUNNING',
      `no local platform is running on the data directory ${dataDir}; start it with npm start (or pass the --data it runs with)`,
    );
  if (!running.state)
    throw new BbfnError(
      'LOCAL_NOT_RUNNING',
      `the local platform (pid ${running.pid}) is still starting; retry in a moment`,
    );
  return running.state;
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
      data: { type: 'string' },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const target = parsed.positionals[0];
  const [appId, name, ...extra] = target?.split('/') ?? [];
  if (!appId || !name || extra.length > 0) throw new Error(`name the function as APP_ID/NAME\n\n${USAGE}`);
  const level = parsed.values.level as LogLevel | undefined;
  if (level && !['debug', 'info', 'warn', 'error'].includes(level))
    throw new Error(`--level must be debug, info, warn or error, got "${level}"`);
  const limit = Number(parsed.values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a positive whole number`);
  const since = parsed.values.since ? parseSince(parsed.values.since) : undefined;

  const state = await runningPlatform(resolveDataDir(parsed.values.data));
  const functions = state.apps[appId];
  if (!functions) {
    const apps = Object.keys(state.apps);
    throw new BbfnError(
      'RESOURCE_NOT_FOUND',
      `App "${appId}" doesn't exist on the local platform at ${state.url} (apps: ${apps.join(', ') || 'none'})`,
    );
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl(state.postgresUrl, appDatabaseName(appId)),
    max: 1,
  });
  try {
    const query = (after: Date | undefined) =>
      queryInvocations(pool, {
        appId,
        functionName: name,
        ...(after ? { since: after } : {}),
        ...(parsed.values.id ? { invocationId: parsed.values.id } : {}),
        ...(level ? { level } : {}),
        limit,
      }).catch((error: unknown) => {
        throw new Error(`cannot read the invocations of ${appId}/${name} from the platform's Postgres`, {
          cause: error,
        });
      });
    let invocations = await query(since);
    // A function removed from the manifests still has the invocations it had.
    if (!functions.includes(name) && invocations.length === 0)
      throw new BbfnError(
        'RESOURCE_NOT_FOUND',
        `no function "${name}" in app "${appId}" (functions: ${functions.join(', ') || 'none'})`,
      );
    const seen = new Set<string>();
    let after = since;
    for (;;) {
      for (const invocation of invocations.reverse()) {
        if (seen.has(invocation.id)) continue;
        seen.add(invocation.id);
        for (const line of formatInvocation(invocation)) console.log(line);
        if (!after || invocation.startedAt > after) after = invocation.startedAt;
      }
      if (!parsed.values.follow) break;
      await sleep(1000);
      invocations = await query(after);
    }
  } finally {
    await pool.end();
  }
  return 0;
}
