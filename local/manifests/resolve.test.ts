import { describe, expect, it } from 'vitest';
import { parseManifestText } from './parse-documents.ts';
import { resolveManifests } from './resolve.ts';

const app = (name: string, appId: string) =>
  `apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: ${name} }\nspec: { appId: ${appId} }\n`;
const fn = (name: string, appId: string, trigger = '{ type: http }') =>
  `apiVersion: butterbase.ai/v1alpha1\nkind: Function\nmetadata: { name: ${name} }\nspec:\n  appId: ${appId}\n  code: "export const handler = () => new Response()"\n  trigger: ${trigger}\n`;

/** Each argument is one file; documents joined with `---`. */
function resolve(...files: string[][]) {
  return resolveManifests(files.map((docs, i) => parseManifestText(docs.join('---\n'), `f${i}.yaml`)));
}

const names = (items: { resource: { metadata: { name: string } } }[]) =>
  items.map((item) => item.resource.metadata.name);

describe('resolveManifests', () => {
  it('returns functions whose App exists', () => {
    const set = resolve([app('demo', 'demo'), fn('a', 'demo')], [fn('b', 'demo')]);
    expect(set.problems).toEqual([]);
    expect(names(set.apps)).toEqual(['demo']);
    expect(names(set.functions)).toEqual(['a', 'b']);
  });

  it("reports a missing App in the seed's words", () => {
    const set = resolve([fn('a', 'app_abc123')]);
    expect(set.functions).toEqual([]);
    expect(set.problems).toEqual([
      expect.objectContaining({
        file: 'f0.yaml',
        kind: 'Function',
        name: 'a',
        field: 'spec.appId',
        code: 'RESOURCE_NOT_FOUND',
        message: 'RESOURCE_NOT_FOUND: App "app_abc123" doesn\'t exist',
      }),
    ]);
  });

  it('reports a duplicate Function on the later one only', () => {
    const set = resolve([app('demo', 'demo'), fn('a', 'demo')], [fn('a', 'demo')]);
    expect(set.functions).toMatchObject([{ file: 'f0.yaml', documentIndex: 1 }]);
    expect(set.problems).toEqual([
      expect.objectContaining({
        file: 'f1.yaml',
        field: 'metadata.name',
        message: 'Function "a" of app "demo" is already defined in f0.yaml [doc 2]',
      }),
    ]);
  });

  it('lets two apps have functions of the same name', () => {
    const set = resolve([app('one', 'one'), app('two', 'two'), fn('a', 'one'), fn('a', 'two')]);
    expect(set.problems).toEqual([]);
    expect(set.functions).toHaveLength(2);
  });

  it('reports two Apps claiming one appId on both, and their functions', () => {
    const set = resolve([app('first', 'shared'), fn('a', 'shared')], [app('second', 'shared')]);
    expect(set.apps).toEqual([]);
    expect(set.functions).toEqual([]);
    expect(set.problems).toEqual([
      expect.objectContaining({
        name: 'first',
        field: 'spec.appId',
        message: expect.stringContaining('App "second" (f1.yaml [doc 1])'),
      }),
      expect.objectContaining({
        name: 'second',
        field: 'spec.appId',
        message: expect.stringContaining('App "first" (f0.yaml [doc 1])'),
      }),
      expect.objectContaining({
        name: 'a',
        message: expect.stringContaining('is claimed by more than one App'),
      }),
    ]);
  });

  it('reports an App name defined twice on the later one', () => {
    const set = resolve([app('demo', 'demo')], [app('demo', 'other')]);
    expect(set.apps).toMatchObject([{ resource: { spec: { appId: 'demo' } } }]);
    expect(set.problems).toEqual([
      expect.objectContaining({
        file: 'f1.yaml',
        message: 'App "demo" is already defined in f0.yaml [doc 1]',
      }),
    ]);
  });

  it('reports two functions with one config.path in an app on both, trailing slash or not', () => {
    const set = resolve([
      app('demo', 'demo'),
      app('other', 'other'),
      fn('a', 'demo', '{ type: http, config: { path: /todos } }'),
      fn('b', 'demo', '{ type: http, config: { path: /todos/ } }'),
      fn('c', 'demo', '{ type: http, config: { path: /todos/open } }'),
      fn('d', 'other', '{ type: http, config: { path: /todos } }'),
    ]);
    expect(names(set.functions)).toEqual(['c', 'd']);
    expect(set.problems).toEqual([
      expect.objectContaining({
        name: 'a',
        code: 'VALIDATION_ROUTE_CONFLICT',
        field: 'spec.trigger.config.path',
        message: 'route /v1/demo/todos is also claimed by Function "b" (f0.yaml [doc 4])',
      }),
      expect.objectContaining({ name: 'b', code: 'VALIDATION_ROUTE_CONFLICT' }),
    ]);
  });

  it('keeps the per-document problems, first', () => {
    const set = resolve(['kind: App\nmetadata: { name: x }\n'], [fn('a', 'nope')]);
    expect(set.problems.map((problem) => problem.file)).toEqual(['f0.yaml', 'f1.yaml']);
  });
});
