import { parseCommandArgs } from '../../local/cli/args.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, functionTarget } from './connection.ts';
import { formatTable, printJson } from './table.ts';

const LIST_USAGE = `Usage: bbfn list APP_ID [options]

Lists an app's functions through the management API (manage_function "list").

Options:
${CONNECTION_HELP}`;

const GET_USAGE = `Usage: bbfn get APP_ID/NAME [options]

Shows one function through the management API (manage_function "get"): its status,
trigger, URL, envVars' names and code.

Options:
${CONNECTION_HELP}`;

const DELETE_USAGE = `Usage: bbfn delete APP_ID/NAME [options]

Deletes a function through the management API (manage_function "delete"); its URL stops
answering. Locally its manifest is removed from the served directory.

Options:
${CONNECTION_HELP}`;

function describeTrigger(trigger: { type: string; config?: Record<string, unknown> }): string {
  const c = trigger.config ?? {};
  if (trigger.type === 'http')
    return `http ${String(c.method)}${c.path ? ` ${String(c.path)}` : ''} auth=${String(c.auth)}`;
  if (trigger.type === 'cron')
    return `cron "${String(c.schedule)}"${c.timeZone ? ` ${String(c.timeZone)}` : ''}`;
  if (trigger.type === 'websocket') return `websocket auth=${String(c.auth)}`;
  return trigger.type;
}

export async function runList(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, CONNECTION_OPTIONS, LIST_USAGE);
  if (!parsed) return 0;
  const appId = parsed.positionals[0];
  if (!appId) throw new Error(`name the app\n\n${LIST_USAGE}`);
  const functions = await (await connect(parsed.values)).list(appId);
  if (parsed.values.json) printJson({ functions });
  else
    console.log(
      formatTable(
        ['NAME', 'FUNCTION_ID', 'STATUS', 'TRIGGER', 'URL'],
        functions.map((fn) => [fn.name, fn.function_id, fn.status, describeTrigger(fn.trigger), fn.url]),
      ),
    );
  return 0;
}

export async function runGet(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, CONNECTION_OPTIONS, GET_USAGE);
  if (!parsed) return 0;
  const { appId, name } = functionTarget(parsed.positionals[0], GET_USAGE);
  const fn = await (await connect(parsed.values)).get(appId, name);
  if (parsed.values.json) printJson(fn);
  else {
    console.log(
      formatTable(
        ['FIELD', 'VALUE'],
        [
          ['name', fn.name],
          ['function_id', fn.function_id],
          ['status', fn.status + (fn.message ? ` (${fn.message})` : '')],
          ['trigger', describeTrigger(fn.trigger)],
          ['url', fn.url],
          ['envVars', fn.env_var_names.join(', ') || '(none)'],
        ],
      ),
    );
    console.log(`\n${fn.code}`);
  }
  return 0;
}

export async function runDelete(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, CONNECTION_OPTIONS, DELETE_USAGE);
  if (!parsed) return 0;
  const { appId, name } = functionTarget(parsed.positionals[0], DELETE_USAGE);
  await (await connect(parsed.values)).delete(appId, name);
  if (parsed.values.json) printJson({ name, deleted: true });
  else console.log(`deleted ${appId}/${name}`);
  return 0;
}
