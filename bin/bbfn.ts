#!/usr/bin/env node
/** `bbfn`: the Butterbase Functions command line. Each command has `--help`. */
import { runRunOnce } from '../local/cli/run-once.command.ts';
import { runStart } from '../local/cli/start.command.ts';
import { runToken } from '../local/cli/token.command.ts';
import { runDeploy } from '../management/cli/deploy.command.ts';
import { runDelete, runGet, runList } from '../management/cli/functions.command.ts';
import { runInvoke } from '../management/cli/invoke.command.ts';
import { runLogs } from '../management/cli/logs.command.ts';
import { runMcp } from '../management/cli/mcp.command.ts';

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

Run "bbfn <command> --help" for a command's options.`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  start: runStart,
  token: runToken,
  deploy: runDeploy,
  invoke: runInvoke,
  list: runList,
  get: runGet,
  delete: runDelete,
  logs: runLogs,
  mcp: runMcp,
  'run-once': runRunOnce,
};

const [command, ...rest] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h' || command === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const run = commands[command];
if (!run) {
  console.error(`bbfn: unknown command "${command}"\n\n${USAGE}`);
  process.exit(2);
}
try {
  const code = await run(rest);
  if (code !== 0) process.exit(code);
} catch (error) {
  console.error(`bbfn ${command}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
