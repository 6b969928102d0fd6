import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { removeFunctionManifest, writeFunctionManifest } from './manifest-file.ts';

const manifest = (name: string, code: string) => ({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: { appId: 'demo', trigger: { type: 'http' }, code },
});

const THREE = `# the app
kind: App
metadata: { name: demo }
---
# first function
kind: Function
metadata: { name: one }
---
kind: Function
metadata: { name: two }
`;

describe('the manifest files a deploy writes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-manifest-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a new function to {appId}/{name}.function.yaml, its code a block', async () => {
    const code = 'export async function handler() {\n  return new Response("hi");\n}\n';
    const file = await writeFunctionManifest(dir, undefined, manifest('hi', code), {
      appId: 'demo',
      name: 'hi',
    });
    expect(file).toBe('demo/hi.function.yaml');
    const text = await readFile(path.join(dir, file), 'utf8');
    expect(text).toContain('code: |');
    expect(parseAllDocuments(text)[0]!.toJS().spec.code).toBe(code);
  });

  it('replaces only its document in a file of several, keeping the others and their comments', async () => {
    await writeFile(path.join(dir, 'all.yaml'), THREE);
    await writeFunctionManifest(dir, { file: 'all.yaml', documentIndex: 1 }, manifest('one', 'new code'), {
      appId: 'demo',
      name: 'one',
    });
    const text = await readFile(path.join(dir, 'all.yaml'), 'utf8');
    const documents = parseAllDocuments(text).map((d) => d.toJS());
    expect(documents.map((d) => d.metadata.name)).toEqual(['demo', 'one', 'two']);
    expect(documents[1].spec.code).toBe('new code');
    expect(text).toContain('# the app');

    await removeFunctionManifest(dir, { file: 'all.yaml', documentIndex: 1 });
    const left = parseAllDocuments(await readFile(path.join(dir, 'all.yaml'), 'utf8')).map((d) => d.toJS());
    expect(left.map((d) => d.metadata.name)).toEqual(['demo', 'two']);
  });

  it('removes the file when its one document goes', async () => {
    const file = await writeFunctionManifest(dir, undefined, manifest('gone', 'x'), {
      appId: 'demo',
      name: 'gone',
    });
    await removeFunctionManifest(dir, { file, documentIndex: 0 });
    await expect(stat(path.join(dir, file))).rejects.toThrow();
  });
});
