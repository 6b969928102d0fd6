import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../../local/cli/args.ts';
import { formatProblem } from '../../local/manifests/format-problem.ts';
import { parseManifestText } from '../../local/manifests/parse-documents.ts';
import { parseRequest } from '../parse-request.ts';
import { type DeployInput, deployInputSchema } from '../schemas.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, functionTarget } from './connection.ts';
import { formatTable, printJson } from './table.ts';

const USAGE = `Usage: bbfn deploy APP_ID/NAME --code FILE [trigger options]
       bbfn deploy --manifest function.yaml

Deploys or updates a function through the management API (deploy_function) and waits
until the new code serves. The same name keeps its function_id. A compile error is
printed with its line and column, and the version that serves keeps serving.

Options:
  --code FILE          The handler's source (TypeScript or JavaScript)
  --trigger TYPE       http (default), cron or websocket (a webhook: --manifest)
  --method M           http: the one method allowed (default ANY)
  --path P             http: extra route /v1/{appId}{P}
  --auth MODE          http, websocket: required (default), optional or none
  --schedule CRON      cron: 5-field schedule, e.g. "0 9 * * *"
  --time-zone TZ       cron: IANA time zone (default UTC)
  --env NAME=VALUE     An envVar (repeatable)
  --manifest FILE      Deploy the Function of a manifest instead (apiVersion butterbase.ai/v1alpha1)
${CONNECTION_HELP}`;

export async function runDeploy(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      code: { type: 'string' },
      trigger: { type: 'string', default: 'http' },
      method: { type: 'string' },
      path: { type: 'string' },
      auth: { type: 'string' },
      schedule: { type: 'string' },
      'time-zone': { type: 'string' },
      env: { type: 'string', multiple: true },
      manifest: { type: 'string' },
      ...CONNECTION_OPTIONS,
    },
    USAGE,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  const input = v.manifest ? await fromManifest(v.manifest) : await fromFlags(parsed.positionals[0], v);
  const api = await connect(v);
  const result = await api.deploy(input);
  if (v.json) printJson(result);
  else
    console.log(
      formatTable(
        ['FUNCTION_ID', 'NAME', 'STATUS', 'URL'],
        [[result.function_id, result.name, result.status, result.url]],
      ),
    );
  return 0;
}

async function fromManifest(file: string): Promise<DeployInput> {
  const set = parseManifestText(await readFile(file, 'utf8'), file);
  const problem = set.problems[0];
  if (problem) throw new Error(formatProblem(problem));
  const [fn, extra] = set.functions;
  if (!fn || extra) throw new Error(`${file} must hold exactly one Function`);
  const { metadata, spec } = fn.resource;
  return {
    app_id: spec.appId,
    name: metadata.name,
    code: spec.code,
    trigger: spec.trigger,
    envVars: spec.envVars,
  };
}

async function fromFlags(target: string | undefined, v: Record<string, unknown>): Promise<DeployInput> {
  const { appId, name } = functionTarget(target, USAGE);
  if (typeof v.code !== 'string') throw new Error(`--code FILE is required\n\n${USAGE}`);
  const type = v.trigger as string;
  const config: Record<string, unknown> = {};
  if (typeof v.method === 'string') config.method = v.method.toUpperCase();
  if (typeof v.path === 'string') config.path = v.path;
  if (typeof v.auth === 'string') config.auth = v.auth;
  if (typeof v.schedule === 'string') config.schedule = v.schedule;
  if (typeof v['time-zone'] === 'string') config.timeZone = v['time-zone'];
  const envVars: Record<string, string> = {};
  for (const pair of (v.env as string[] | undefined) ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--env takes NAME=VALUE, got "${pair}"`);
    envVars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return parseRequest(deployInputSchema, {
    app_id: appId,
    name,
    code: await readFile(v.code, 'utf8'),
    trigger: { type, config },
    ...(Object.keys(envVars).length > 0 ? { envVars } : {}),
  });
}
