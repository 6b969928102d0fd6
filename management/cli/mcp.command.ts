import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { DEFAULT_DATA_DIR, parseCommandArgs } from '../../local/cli/args.ts';
import { createMcpServer } from '../mcp/tools.ts';
import { CONNECTION_OPTIONS, connect } from './connection.ts';

const USAGE = `Usage: bbfn mcp [options]

An MCP server on stdio with the tools deploy_function, invoke_function and
manage_function, calling the management API: the local platform's (npm start) by
default, or a cluster's. Add it to an MCP client, e.g.:
  claude mcp add bbfn -- node "$PWD/bin/bbfn.js" mcp      (from the project's directory)
  claude mcp add bbfn -e BBFN_API_URL=https://api.example.com -e BBFN_API_KEY=bb_sk_… -- npx bbfn mcp
Over HTTP, the same tools are at {API URL}/mcp (Authorization: Bearer <API key>).

Options:
  --url URL       The management API (default: $BBFN_API_URL, else the local platform's)
  --key KEY       The app's platform API key (default: $BBFN_API_KEY, else the local platform's)
  --data DIR      Data directory of the local platform (default ${DEFAULT_DATA_DIR} in the project)
  -h, --help      Show this help`;

export async function runMcp(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, CONNECTION_OPTIONS, USAGE);
  if (!parsed) return 0;
  const server = createMcpServer(await connect(parsed.values));
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', resolve);
  });
  await server.connect(transport);
  await closed;
  await server.close();
  return 0;
}
