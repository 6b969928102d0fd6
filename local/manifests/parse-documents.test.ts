import { describe, expect, it } from 'vitest';
import { parseManifestText } from './parse-documents.ts';

const fn = (name: string, trigger: string, extra = '') => `apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
  appId: demo
  code: |
    export async function handler(req, ctx) { return new Response('ok'); }
  trigger: ${trigger}
${extra}`;

describe('parseManifestText', () => {
  it('reads Apps and Functions from a multi-document file, with defaults applied', () => {
    const text = [
      'apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata:\n  name: demo\nspec:\n  appId: demo\n',
      fn('hello', '{ type: http, config: { method: GET, auth: none } }'),
    ].join('---\n');
    const set = parseManifestText(text, 'a.yaml');
    expect(set.problems).toEqual([]);
    expect(set.apps).toMatchObject([
      { file: 'a.yaml', documentIndex: 0, line: 1, resource: { spec: { appId: 'demo' } } },
    ]);
    expect(set.functions).toMatchObject([
      {
        file: 'a.yaml',
        documentIndex: 1,
        line: 8,
        resource: { metadata: { name: 'hello' }, spec: { envVars: {}, limits: { timeoutSeconds: 30 } } },
      },
    ]);
  });

  it('skips documents of other API groups, empty documents and non-objects without a problem', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n---\n---\n- a list\n---\njust text\n';
    expect(parseManifestText(text, 'other.yaml')).toEqual({ apps: [], functions: [], problems: [] });
  });

  it('reports an unknown kind or version of our group, and a missing apiVersion on our kinds', () => {
    const text = [
      'apiVersion: butterbase.ai/v1alpha1\nkind: Fn\nmetadata: { name: x }\n',
      'apiVersion: butterbase.ai/v1\nkind: Function\nmetadata: { name: y }\n',
      'kind: App\nmetadata: { name: z }\n',
    ].join('---\n');
    expect(parseManifestText(text, 'k.yaml').problems).toMatchObject([
      {
        documentIndex: 0,
        kind: 'Fn',
        name: 'x',
        field: 'kind',
        message: expect.stringContaining('unknown kind "Fn"'),
      },
      {
        documentIndex: 1,
        field: 'apiVersion',
        message: expect.stringContaining('unsupported version "butterbase.ai/v1"'),
      },
      {
        documentIndex: 2,
        kind: 'App',
        name: 'z',
        field: 'apiVersion',
        message: 'is required: butterbase.ai/v1alpha1',
      },
    ]);
  });

  it('reports YAML syntax errors with line and column, and keeps the other documents', () => {
    const text = `${fn('ok', '{ type: http }')}---\nkind: Function\nmetadata:\n  name: [unclosed\n`;
    const set = parseManifestText(text, 'bad.yaml');
    expect(set.functions).toHaveLength(1);
    expect(set.problems[0]).toMatchObject({
      documentIndex: 1,
      message: expect.stringMatching(/^YAML syntax error: /),
      line: 14,
    });
    expect(set.problems[0]?.column).toBeGreaterThan(0);
    expect(set.problems[0]?.message).not.toContain('\n');
  });

  it('turns schema issues into dotted fields, plain messages and positions', () => {
    const text = fn(
      'Bad_Name',
      '{ type: cron, config: { schedule: "61 * * * *" } }',
      '  envVars:\n    1a: x\n',
    );
    const problems = parseManifestText(text, 'bad.yaml').problems;
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'metadata.name',
        name: 'Bad_Name',
        kind: 'Function',
        line: 4,
        column: 9,
      }),
      expect.objectContaining({
        field: 'spec.trigger.config.schedule',
        message: expect.stringMatching(/^invalid cron expression "61 \* \* \* \*": /),
        code: 'VALIDATION_INVALID_MANIFEST',
        line: 9,
      }),
      expect.objectContaining({
        field: 'spec.envVars["1a"]',
        message: 'invalid key: must be a valid environment name',
      }),
    ]);
  });

  it('says which field is missing, at the object that should hold it', () => {
    const text =
      'apiVersion: butterbase.ai/v1alpha1\nkind: Function\nmetadata:\n  name: x\nspec:\n  appId: demo\n  code: c\n';
    expect(parseManifestText(text, 'f.yaml').problems).toEqual([
      expect.objectContaining({ field: 'spec.trigger', message: 'is required', line: 6, column: 3 }),
    ]);
  });

  it('names the trigger types there are', () => {
    const problems = parseManifestText(fn('x', '{ type: queue }'), 'f.yaml').problems;
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'spec.trigger.type',
        message: 'must be one of "http", "cron", "websocket", "webhook", "s3_upload"',
      }),
    ]);
  });

  it('refuses the trigger types the seed marks as not yet implemented', () => {
    const problems = parseManifestText(fn('x', '{ type: s3_upload }'), 'f.yaml').problems;
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'spec.trigger.type',
        code: 'VALIDATION_UNSUPPORTED_TRIGGER',
        message: 'trigger type "s3_upload" is not yet implemented',
      }),
    ]);
  });

  it('takes a webhook trigger, and names what it lacks', () => {
    const problems = parseManifestText(fn('x', '{ type: webhook, config: { provider: stripe } }'), 'f.yaml');
    expect(problems.problems).toEqual([
      expect.objectContaining({
        field: 'spec.trigger.config.secretRef',
        code: 'VALIDATION_INVALID_MANIFEST',
      }),
    ]);
  });
});
