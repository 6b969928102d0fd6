import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startTestPlatform } from '../support/local-platform.ts';
import { waitFor } from '../support/wait.ts';

/**
 * `bbfn start` serves once its functions are routed, before their sandboxes have booted
 * (local/platform.ts). Here two functions' modules wait at their top level for a gate the
 * test holds, so both are certainly still booting when their first requests arrive.
 */
describe('local platform: requests while sandboxes boot', () => {
  let root: string;
  let platform: Platform;
  const printed: string[] = [];
  /** Held answers of the gate, by name: a module's top-level fetch waits on its own. */
  const held = new Map<string, ServerResponse>();
  const gate = createServer((request, response) => {
    held.set(request.url!.slice(1), response);
  });

  function gatedFunction(name: string, afterGate: string): string {
    const { port } = gate.address() as AddressInfo;
    return [
      'apiVersion: butterbase.ai/v1alpha1',
      'kind: Function',
      `metadata: { name: ${name} }`,
      'spec:',
      '  appId: boot',
      '  trigger: { type: http, config: { method: GET, auth: none } }',
      '  code: |',
      `    const opened = await (await fetch('http://127.0.0.1:${port}/${name}')).text();`,
      `    ${afterGate}`,
      '    export async function handler(req, ctx) {',
      '      return new Response(opened);',
      '    }',
      '',
    ].join('\n');
  }

  /** A request waiting for its function's boot counts as in flight for it. */
  function waitForRequestToWait(name: string): Promise<true> {
    return waitFor(`the request to ${name} to wait for its boot`, 30_000, async () => {
      return platform.host.registry.get('boot', name)?.sandbox.inflight === 1 || undefined;
    });
  }

  beforeAll(async () => {
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    root = await mkdtemp(path.join(tmpdir(), 'bbfn-booting-'));
    const manifests = path.join(root, 'manifests');
    await mkdir(manifests);
    await writeFile(
      path.join(manifests, 'app.yaml'),
      'apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: boot }\nspec: { appId: boot }\n',
    );
    await writeFile(path.join(manifests, 'slow.yaml'), gatedFunction('slow', '// loads once the gate opens'));
    await writeFile(
      path.join(manifests, 'broken.yaml'),
      gatedFunction('broken', "throw new Error('the module gave up');"),
    );
    platform = await startTestPlatform({
      manifestsDir: manifests,
      dataDir: path.join(root, 'data'),
      print: (line) => printed.push(line),
      booting: true,
    });
  }, 120_000);

  afterAll(async () => {
    for (const response of held.values()) response.end('closing');
    await platform?.shutdown('test');
    gate.close();
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('serves before the boots end, and a request waits for its function to boot', async () => {
    // Both modules are stuck at their top level, and the platform serves already.
    await waitFor('both modules to reach the gate', 30_000, async () => held.size === 2);
    let booted = false;
    void platform.deployed.then(() => {
      booted = true;
    });
    const answer = fetch(`${platform.url}/v1/boot/fn/slow`);
    await waitForRequestToWait('slow');
    expect(booted).toBe(false);
    held.get('slow')!.end('opened by the test');
    const response = await answer;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('opened by the test');
  });

  it('answers a request to a module that fails to load with why, reports it, then drops its URL', async () => {
    const answer = fetch(`${platform.url}/v1/boot/fn/broken`);
    await waitForRequestToWait('broken');
    held.get('broken')!.end('opened');
    const response = await answer;
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('FUNCTION_LOAD_FAILED');
    await platform.deployed;
    expect(
      printed.some(
        (line) =>
          line.startsWith('✗ boot/broken') &&
          line.includes('FUNCTION_LOAD_FAILED') &&
          line.includes('the module gave up'),
      ),
    ).toBe(true);
    expect(printed.some((line) => line.startsWith('✓ deployed boot/slow'))).toBe(true);
    expect((await fetch(`${platform.url}/v1/boot/fn/broken`)).status).toBe(404);
  });
});
