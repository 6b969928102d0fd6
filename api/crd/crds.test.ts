import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdFiles } from './crd-files.ts';
import { customResourceDefinitions } from './crds.ts';

const ROOT = path.join(import.meta.dirname, '../..');

/** Every node of a schema, with its path. */
function* nodes(schema: unknown, at = ''): Generator<[string, Record<string, unknown>]> {
  if (typeof schema !== 'object' || schema === null) return;
  const node = schema as Record<string, unknown>;
  yield [at, node];
  for (const [name, child] of Object.entries((node.properties as object) ?? {}))
    yield* nodes(child, `${at}.${name}`);
  if (node.items) yield* nodes(node.items, `${at}[]`);
  if (typeof node.additionalProperties === 'object') yield* nodes(node.additionalProperties, `${at}{}`);
}

describe('CustomResourceDefinitions', () => {
  it("in crds/ and the chart's templates/crds/ are what the schemas make (npm run crds rewrites them)", async () => {
    for (const [file, text] of Object.entries(crdFiles())) {
      const stale = `${file} is stale: run npm run crds`;
      expect(await readFile(path.join(ROOT, file), 'utf8').catch(() => ''), stale).toBe(text);
    }
  });

  it('are structural: every node typed or open, nothing Kubernetes refuses', () => {
    for (const crd of customResourceDefinitions()) {
      for (const [at, node] of nodes(crd.spec.versions[0]!.schema.openAPIV3Schema)) {
        for (const refused of ['oneOf', 'anyOf', 'const', 'propertyNames', '$schema', '$ref'])
          expect(node[refused], `${crd.spec.names.kind}${at}: ${refused}`).toBeUndefined();
        const open = node['x-kubernetes-preserve-unknown-fields'] === true;
        expect(typeof node.type === 'string' || open, `${crd.spec.names.kind}${at} has no type`).toBe(true);
        if (node.exclusiveMinimum !== undefined) expect(typeof node.exclusiveMinimum).toBe('boolean');
      }
    }
  });

  it("carry a discriminated union's branch rules as CEL", () => {
    const fn = customResourceDefinitions().find((crd) => crd.spec.names.kind === 'Function')!;
    const trigger = fn.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!.properties!.trigger!;
    expect(trigger.properties!.type!.enum).toEqual(['http', 'cron', 'websocket', 'webhook', 's3_upload']);
    const messages = trigger['x-kubernetes-validations']!.map((rule) => rule.message);
    expect(messages).toContain('config.schedule is required when type is cron');
    expect(messages).toContain('config.secretRef is required when type is webhook');
    expect(messages).toContain('config.hmac is required when config.provider is generic-hmac');
    // Only the http branch has a method: a default would land on every other trigger's config.
    expect(trigger.properties!.config!.properties!.method!.default).toBeUndefined();
  });
});
