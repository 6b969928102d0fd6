import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../../local/cli/args.ts';
import { parseRequest } from '../parse-request.ts';
import { invokeInputSchema } from '../schemas.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, functionTarget } from './connection.ts';
import { printJson } from './table.ts';

const USAGE = `Usage: bbfn invoke APP_ID/NAME [options]

Calls a function through the management API (invoke_function) and prints its response,
then the console lines it printed. Exits 1 when the response status is 400 or above.

Options:
  -X, --method M       HTTP method (default POST)
  --path P             Sub-path and/or query appended to the function URL, e.g. "/items?x=1"
  -d, --body BODY      Request body; @FILE reads it from a file
  -H, --header "K: V"  A request header (repeatable)
  --as WHO             service (default: the API key, RLS bypassed), anonymous, or user:ID
                       (an end-user JWT: RLS enforced, ctx.user.id = ID)
${CONNECTION_HELP}`;

export async function runInvoke(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      method: { type: 'string', short: 'X', default: 'POST' },
      path: { type: 'string', default: '' },
      body: { type: 'string', short: 'd' },
      header: { type: 'string', short: 'H', multiple: true },
      as: { type: 'string', default: 'service' },
      ...CONNECTION_OPTIONS,
    },
    USAGE,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  const { appId, name } = functionTarget(parsed.positionals[0], USAGE);
  const headers: Record<string, string> = {};
  for (const header of v.header ?? []) {
    const at = header.indexOf(':');
    if (at <= 0) throw new Error(`-H takes "Name: value", got "${header}"`);
    headers[header.slice(0, at).trim()] = header.slice(at + 1).trim();
  }
  const [runAs, userId] = v.as.startsWith('user:') ? ['user', v.as.slice(5)] : [v.as, undefined];
  const body = v.body?.startsWith('@') ? await readFile(v.body.slice(1), 'utf8') : v.body;
  const input = parseRequest(invokeInputSchema, {
    app_id: appId,
    name,
    method: v.method.toUpperCase(),
    path: v.path,
    headers,
    ...(body !== undefined ? { body } : {}),
    run_as: runAs,
    ...(userId !== undefined ? { user_id: userId } : {}),
  });
  const api = await connect(v);
  const result = await api.invoke(input);
  if (v.json) printJson(result);
  else {
    const error = result.error ? ` ${result.error.code}` : '';
    console.log(
      `${result.status} ${result.outcome ?? ''}${error} ${result.duration_ms.toFixed(1)} ms  invocation ${result.invocation_id}`,
    );
    console.log(result.body);
    for (const line of result.logs) console.log(`  ${line.time} ${line.level.padEnd(5)} ${line.message}`);
  }
  return result.status >= 400 ? 1 : 0;
}
