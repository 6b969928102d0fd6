import { describe, expect, it } from 'vitest';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { BbfnError } from '../../../runtime-image/src/errors.ts';
import { CompileCache } from './compile-cache.ts';

const fn = (code: string) => ({ metadata: { name: 'hello' }, spec: { code } }) as FunctionResource;

/** A compiler that answers from a script, counting its calls. */
function scripted(...answers: (string | Error)[]) {
  const calls: string[] = [];
  const compiler = async (code: string) => {
    calls.push(code);
    const answer = answers.shift() ?? `bundle of ${code}`;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { calls, compiler };
}

describe('CompileCache', () => {
  it('compiles a source once', async () => {
    const { calls, compiler } = scripted();
    const cache = new CompileCache(compiler);
    expect(await cache.compile(fn('a'))).toBe('bundle of a');
    expect(await cache.compile(fn('a'))).toBe('bundle of a');
    expect(calls).toEqual(['a']);
  });

  it('keeps code that does not compile as its failure: terminal until the code changes', async () => {
    const syntax = new BbfnError('VALIDATION_SYNTAX_ERROR', 'hello.ts:2:3: Unexpected ";"');
    const { calls, compiler } = scripted(syntax);
    const cache = new CompileCache(compiler);
    await expect(cache.compile(fn('bad'))).rejects.toBe(syntax);
    await expect(cache.compile(fn('bad'))).rejects.toBe(syntax);
    expect(calls).toEqual(['bad']);
    expect(await cache.compile(fn('fixed'))).toBe('bundle of fixed');
  });

  it.each([
    ['a plain error', new Error('The service was stopped')],
    [
      'INTERNAL, as compileHandler reports esbuild failing',
      new BbfnError('INTERNAL', 'The handler compiler failed'),
    ],
  ])('forgets a failure of the compiler itself (%s), so the retry compiles afresh', async (_, failure) => {
    const { calls, compiler } = scripted(failure);
    const cache = new CompileCache(compiler);
    await expect(cache.compile(fn('a'))).rejects.toBe(failure);
    expect(await cache.compile(fn('a'))).toBe('bundle of a');
    expect(calls).toEqual(['a', 'a']);
  });
});
