/**
 * The CRDs in crds/ on a real API server, applied with kubectl as a user would: the
 * examples go in with the defaults filled in, and what the schema refuses is refused
 * with the field and the reason.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { kubectl } from './kubectl.ts';

const REPO = path.join(import.meta.dirname, '../..');
const namespace = butterbaseNamespace('crds');

const fn = (name: string, spec: string) => `apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
${spec}`;

describe('the CustomResourceDefinitions', () => {
  it('take the examples as they are, filling in the defaults', async () => {
    const applied = await kubectl(['apply', '-n', namespace, '-R', '-f', path.join(REPO, 'examples')]);
    expect(applied.ok, applied.out).toBe(true);
    const examples = (await readdir(path.join(REPO, 'examples'), { withFileTypes: true })).filter((d) =>
      d.isDirectory(),
    );
    const listed = JSON.parse((await kubectl(['get', 'fn', '-n', namespace, '-o', 'json'])).out) as {
      items: { metadata: { name: string }; spec: { limits: unknown; envVars: unknown } }[];
    };
    expect(listed.items.map((item) => item.metadata.name).sort()).toEqual(examples.map((d) => d.name).sort());
    const hello = listed.items.find((item) => item.metadata.name === 'hello')!;
    expect(hello.spec.limits).toEqual({ timeoutSeconds: 30, memoryMb: 128 });
    expect(hello.spec.envVars).toEqual({});
    const apps = await kubectl(['get', 'apps.butterbase.ai', '-n', namespace, '-o', 'name']);
    expect(apps.out.trim()).toBe('app.butterbase.ai/demo');
    const everything = await kubectl(['get', 'butterbase', '-n', namespace, '-o', 'name']);
    expect(everything.out).toContain('app.butterbase.ai/demo');
    expect(everything.out).toContain('function.butterbase.ai/hello');
    // The short name and the printer columns a user sees.
    const table = await kubectl(['get', 'fn', 'hello', '-n', namespace]);
    expect(table.out).toMatch(/NAME\s+URL\s+STATUS\s+READY\s+AGE/);
    const wide = await kubectl(['get', 'fn', 'hello', '-n', namespace, '-o', 'wide']);
    expect(wide.out).toMatch(/NAME\s+URL\s+STATUS\s+READY\s+APP ID\s+TRIGGER\s+REASON\s+AGE/);
    expect(wide.out).toMatch(/hello\s.*\sdemo\s+http/);
  });

  it('refuse what the schema refuses, naming the field', async () => {
    const http = '  appId: demo\n  code: "export async function handler() {}"\n';
    const refused: [string, string, RegExp][] = [
      [
        'bad-method',
        fn('bad-method', `${http}  trigger: { type: http, config: { method: FETCH } }`),
        /spec\.trigger\.config\.method: Unsupported value: "FETCH"/,
      ],
      [
        'bad-env',
        fn('bad-env', `${http}  trigger: { type: http }\n  envVars: { "not-a-name": x }`),
        /every key must match/,
      ],
      [
        'no-schedule',
        fn('no-schedule', `${http}  trigger: { type: cron, config: { timeZone: UTC } }`),
        /config\.schedule is required when type is cron/,
      ],
      // The webhook branch's CEL rules: what the provider's check needs cannot be left out.
      [
        'no-provider',
        fn('no-provider', `${http}  trigger: { type: webhook, config: { secretRef: { name: s, key: k } } }`),
        /config\.provider is required when type is webhook/,
      ],
      [
        'no-secret-ref',
        fn('no-secret-ref', `${http}  trigger: { type: webhook, config: { provider: github } }`),
        /config\.secretRef is required when type is webhook/,
      ],
      [
        'no-hmac',
        fn(
          'no-hmac',
          `${http}  trigger: { type: webhook, config: { provider: generic-hmac, secretRef: { name: s, key: k } } }`,
        ),
        /config\.hmac is required when config\.provider is generic-hmac/,
      ],
      [
        'bad-provider',
        fn(
          'bad-provider',
          `${http}  trigger: { type: webhook, config: { provider: gitlab, secretRef: { name: s, key: k } } }`,
        ),
        /spec\.trigger\.config\.provider: Unsupported value: "gitlab"/,
      ],
      ['no-code', fn('no-code', '  appId: demo\n  trigger: { type: http }'), /spec\.code: Required value/],
      [
        'tiny-heap',
        fn('tiny-heap', `${http}  trigger: { type: http }\n  limits: { memoryMb: 8 }`),
        /spec\.limits\.memoryMb: Invalid value: 8/,
      ],
      ['dotted', fn('a.b', `${http}  trigger: { type: http }`), /metadata\.name must be a DNS label/],
    ];
    for (const [what, manifest, reason] of refused) {
      const result = await kubectl(['apply', '-n', namespace, '-f', '-'], manifest);
      expect(result.ok, `${what} was accepted`).toBe(false);
      expect(result.out, what).toMatch(reason);
    }
  });
});
