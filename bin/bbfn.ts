#!/usr/bin/env node
/** `bbfn`: the Butterbase Functions command line. Each command has `--help`. */
import { formatCliError } from '../local/format-error.ts';
import { traceStart } from '../local/start-trace.ts';
import { enableBbfnCompileCache } from './compile-cache.js';

traceStart('bbfn running');
// Already on when bin/bbfn.js is the entry (it is for npx bbfn and npm start); here for
// `node bin/bbfn.ts`, whose own few modules are then stripped and compiled afresh.
enableBbfnCompileCache();

const USAGE = `Usage: bbfn <command> [options]

Commands:
  start [dir]                      Run the local platform: embedded Postgres, every App and
                                   Function manifest in dir (default: examples), hot reload, cron
  token --app ID --user ID         Print an end-user JWT for an app of the local platform
  deploy APP_ID/NAME --code FILE   Deploy or update a function (the management API's deploy)
  invoke APP_ID/NAME               Call a function as the service, a user or anonymous
  list APP_ID                      An app's functions
  get APP_ID/NAME                  One function: status, trigger, URL, code
  delete APP_ID/NAME               Delete a function
  logs APP_ID/NAME                 A function's console lines with their invocations
  mcp                              An MCP server on stdio (deploy_function, invoke_function,
                                   manage_function) over the management API
  run-once                         Run the mounted function once as a cron trigger (CronJob pods)
  secret set|get|list APP_ID ...   The local platform's Secrets (a webhook's signing secret…)

Run "bbfn <command> --help" for a command's options. In this repository, run it as
"npx bbfn …": npx runs it under the Node the project installs.`;

type Command = (args: string[]) => Promise<number>;
// Each command loads only its own modules: the API commands need none of the platform's.
const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import('../local/cli/start.command.ts')).runStart,
  token: async () => (await import('../local/cli/token.command.ts')).runToken,
  deploy: async () => (await import('../management/cli/deploy.command.ts')).runDeploy,
  invoke: async () => (await import('../management/cli/invoke.command.ts')).runInvoke,
  list: async () => (await import('../management/cli/functions.command.ts')).runList,
  get: async () => (await import('../management/cli/functions.command.ts')).runGet,
  delete: async () => (await import('../management/cli/functions.command.ts')).runDelete,
  logs: async () => (await import('../management/cli/logs.command.ts')).runLogs,
  mcp: async () => (await import('../management/cli/mcp.command.ts')).runMcp,
  'run-once': async () => (await import('../local/cli/run-once.command.ts')).runRunOnce,
  secret: async () => (await import('../local/cli/secret.command.ts')).runSecret,
};

const [command, ...rest] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h' || command === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const load = commands[command];
if (!load) {
  console.error(`bbfn: unknown command "${command}"\n\n${USAGE}`);
  process.exit(2);
}
try {
  const code = await (await load())(rest);
  if (code !== 0) process.exit(code);
} catch (error) {
  console.error(`bbfn ${command}: ${formatCliError(error)}`);
  process.exit(1);
}
