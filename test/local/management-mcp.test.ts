import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startTestPlatform } from '../support/local-platform.ts';
import { connectMcpOverHttp } from '../support/mcp-client.ts';
import { SEED_TOOL_NAMES } from '../support/seed-example.ts';

type ToolAnswer = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { text: string }[];
};

const BBFN = path.resolve('bin/bbfn.ts');
const run = promisify(execFile);

const HANDLER = (word: string) => `export async function handler(req, ctx) {
  console.log('${word}', ctx.user === null ? 'service' : ctx.user.id);
  return new Response(JSON.stringify({ word: '${word}' }), { headers: { 'Content-Type': 'application/json' } });
}
`;

describe('MCP (streamable HTTP at /mcp and stdio through bbfn mcp) and the bbfn commands', () => {
  let root: string;
  let platform: Platform;
  let key: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bbfn-mcp-'));
    await writeFile(
      path.join(root, 'app.yaml'),
      'apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: mcp }\nspec: { appId: app_mcp }\n',
    );
    platform = await startTestPlatform({
      manifestsDir: root,
      dataDir: path.join(root, '.data'),
    });
    key = platform.secrets.app_mcp!.apiKey;
  }, 120_000);

  afterAll(async () => {
    await platform?.shutdown('test');
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  /** Lists the tools, then deploys, invokes and reads the logs of `name` through them. */
  async function session(transport: Transport, name: string, word: string) {
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(SEED_TOOL_NAMES);
      const deploy = tools.find((tool) => tool.name === 'deploy_function')!;
      expect(deploy.description).toContain('export async function handler(request: Request, context: {');
      expect(deploy.description).toContain(
        'Use invoke_function to test, then manage_function (action: "get_logs") to debug.',
      );
      expect(Object.keys(deploy.inputSchema.properties ?? {})).toEqual([
        'app_id',
        'name',
        'code',
        'trigger',
        'envVars',
      ]);
      const call = async (tool: string, args: Record<string, unknown>) =>
        (await client.callTool({ name: tool, arguments: args })) as ToolAnswer;

      const deployed = await call('deploy_function', {
        app_id: 'app_mcp',
        name,
        code: HANDLER(word),
        trigger: { type: 'http', config: { method: 'POST', auth: 'required' } },
      });
      expect(deployed.isError).toBeFalsy();
      expect(Object.keys(deployed.structuredContent!)).toEqual(['function_id', 'name', 'url', 'status']);
      expect(deployed.structuredContent).toMatchObject({ name, status: 'deployed' });

      const invoked = await call('invoke_function', {
        app_id: 'app_mcp',
        name,
        run_as: 'user',
        user_id: 'bob',
      });
      expect(invoked.structuredContent).toMatchObject({ status: 200, outcome: 'ok' });
      expect(invoked.structuredContent!.logs).toEqual([expect.objectContaining({ message: `${word} bob` })]);

      const logs = await call('manage_function', {
        app_id: 'app_mcp',
        action: 'get_logs',
        name,
        invocation_id: invoked.structuredContent!.invocation_id,
      });
      expect(logs.structuredContent!.lines).toEqual([
        expect.objectContaining({ message: `${word} bob`, status: 200, outcome: 'ok' }),
      ]);

      const bad = await call('deploy_function', {
        app_id: 'app_mcp',
        name,
        code: 'export function handler( {',
        trigger: { type: 'http' },
      });
      expect(bad.isError).toBe(true);
      expect(JSON.parse(bad.content[0]!.text).error).toMatchObject({
        code: 'VALIDATION_SYNTAX_ERROR',
        details: { line: 1 },
      });
      const elsewhere = await call('manage_function', { app_id: 'app_other', action: 'list' });
      expect(JSON.parse(elsewhere.content[0]!.text).error.code).toBe('RESOURCE_NOT_FOUND');
    } finally {
      await client.close();
    }
  }

  it('serves the three tools over streamable HTTP with the Bearer API key', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${platform.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    });
    await session(transport, 'over-http', 'http');
  }, 30_000);

  it('refuses /mcp without a key, and a key of no app at each tool call', async () => {
    const response = await fetch(`${platform.url}/mcp`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    const client = await connectMcpOverHttp(new URL(`${platform.url}/mcp`), 'bb_sk_nobody');
    const answer = (await client.callTool({
      name: 'manage_function',
      arguments: { app_id: 'app_mcp', action: 'list' },
    })) as ToolAnswer;
    expect(JSON.parse(answer.content[0]!.text).error.code).toBe('AUTH_INVALID_API_KEY');
    await client.close();
  });

  it('serves the three tools over stdio (bbfn mcp), calling the HTTP API', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BBFN, 'mcp', '--url', platform.url, '--key', key],
      stderr: 'pipe',
    });
    await session(transport, 'over-stdio', 'stdio');
  }, 60_000);

  it('bbfn deploy, invoke, list, get, logs and delete work through the API, with tables, --json and exit codes', async () => {
    const codeFile = path.join(root, 'cli-handler.ts');
    await writeFile(codeFile, HANDLER('cli'));
    const bbfn = (...args: string[]) =>
      run(process.execPath, [BBFN, ...args, '--url', platform.url, '--key', key], { encoding: 'utf8' });

    const deployed = await bbfn(
      'deploy',
      'app_mcp/from-cli',
      '--code',
      codeFile,
      '--method',
      'POST',
      '--env',
      'A=1',
      '--json',
    );
    expect(JSON.parse(deployed.stdout)).toMatchObject({ name: 'from-cli', status: 'deployed' });
    const invoked = await bbfn('invoke', 'app_mcp/from-cli', '--as', 'user:carol');
    expect(invoked.stdout).toMatch(/^200 ok/);
    expect(invoked.stdout).toContain('info  cli carol');
    const listed = await bbfn('list', 'app_mcp');
    expect(listed.stdout).toMatch(/^NAME\s+FUNCTION_ID\s+STATUS/);
    expect(listed.stdout).toMatch(/from-cli\s+fn_\w+\s+deployed\s+http POST auth=required/);
    const got = await bbfn('get', 'app_mcp/from-cli');
    expect(got.stdout).toContain('envVars      A');
    const logs = await bbfn('logs', 'app_mcp/from-cli', '--since', '10m');
    expect(logs.stdout).toMatch(/info\s+cli carol\s+\[[0-9a-f-]{36} 200 ok/);
    expect((await bbfn('delete', 'app_mcp/from-cli')).stdout).toContain('deleted app_mcp/from-cli');

    const failed = await bbfn('get', 'app_mcp/from-cli').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('No function "from-cli"') });
    for (const command of ['deploy', 'invoke', 'list', 'get', 'delete', 'logs', 'mcp']) {
      const help = await run(process.execPath, [BBFN, command, '--help'], { encoding: 'utf8' });
      expect(help.stdout).toContain(`Usage: bbfn ${command}`);
    }
  }, 120_000);
});
