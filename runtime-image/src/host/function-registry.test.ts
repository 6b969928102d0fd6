import { describe, expect, it } from 'vitest';
import type { FunctionDeployment } from './deployment.ts';
import { FunctionRegistry } from './function-registry.ts';

function deployment(appId: string, name: string, path?: string): FunctionDeployment {
  return {
    appId,
    name,
    functionId: `${appId}-${name}`,
    revision: 'r1',
    trigger: { type: 'http', config: { method: 'GET', auth: 'none', ...(path ? { path } : {}) } },
    limits: { timeoutSeconds: 10, memoryMb: 128 },
    sandbox: {} as FunctionDeployment['sandbox'],
    deployedAt: new Date(),
    envVars: {},
  } as FunctionDeployment;
}

describe('FunctionRegistry.route', () => {
  const registry = new FunctionRegistry();
  const hello = deployment('demo', 'hello');
  const spaced = deployment('demo', 'say hi');
  const hooks = deployment('demo', 'hooks', '/webhooks/stripe');
  for (const d of [hello, spaced, hooks]) registry.put(d);

  it('finds a function by its canonical URL and sub-paths', () => {
    expect(registry.route('/v1/demo/fn/hello')).toBe(hello);
    expect(registry.route('/v1/demo/fn/hello/a/b')).toBe(hello);
    expect(registry.route('/v1/demo/fn/nope')).toBeUndefined();
    expect(registry.route('/v2/demo/fn/hello')).toBeUndefined();
  });

  it('decodes percent-encoded segments, and refuses malformed ones', () => {
    expect(registry.route('/v1/demo/fn/say%20hi')).toBe(spaced);
    expect(registry.route('/v1/d%65mo/fn/hello')).toBe(hello);
    expect(registry.route('/v1/demo/fn/hello%E0%A4%A')).toBeUndefined();
  });

  it('finds a function by its config.path, longest prefix first', () => {
    expect(registry.route('/v1/demo/webhooks/stripe')).toBe(hooks);
    expect(registry.route('/v1/demo/webhooks/stripe/events')).toBe(hooks);
    expect(registry.route('/v1/demo/webhooks')).toBeUndefined();
  });
});
