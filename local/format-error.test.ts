import { describe, expect, it } from 'vitest';
import { BbfnError } from '../runtime-image/src/errors.ts';
import { formatCliError } from './format-error.ts';

describe('formatCliError', () => {
  it('never prints a bare "undefined"', () => {
    expect(formatCliError(undefined)).toBe('failed without saying why (undefined)');
  });

  it('gives the code, the message and every cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const error = new BbfnError('LOCAL_POSTGRES_FAILED', 'Postgres did not start', {
      cause: new Error('reading', { cause: refused }),
    });
    expect(formatCliError(error)).toBe(
      'LOCAL_POSTGRES_FAILED: Postgres did not start\n  caused by: reading\n  caused by: connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(formatCliError(error, { causes: false })).toBe('LOCAL_POSTGRES_FAILED: Postgres did not start');
  });

  it("spells out an AggregateError's errors, as pg reports a refused connection", () => {
    const aggregate = new AggregateError(
      [new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')],
      '',
    );
    expect(formatCliError(aggregate)).toBe(
      'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
  });
});
