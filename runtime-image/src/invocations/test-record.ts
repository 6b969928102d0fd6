import type { InvocationRecord } from './types.ts';
import { uuidV7 } from './uuid-v7.ts';

/**
 * An invocation record for tests: an ok http GET of function `fn` of app `app_test`,
 * started now, with `overrides`; each test names only the fields its case is about.
 */
export function testRecord(overrides: Partial<InvocationRecord> = {}): InvocationRecord {
  return {
    id: uuidV7(),
    appId: 'app_test',
    functionName: 'fn',
    functionId: 'fn_test',
    revision: 'r1',
    trigger: 'http',
    userId: null,
    method: 'GET',
    path: '/',
    statusCode: 200,
    outcome: 'ok',
    errorCode: null,
    errorMessage: null,
    startedAt: new Date(),
    durationMs: 1.5,
    ...overrides,
  };
}
