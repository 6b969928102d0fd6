import { describe, expect, it } from 'vitest';
import { decodeRecord, type EncodedRecord, encodeRecordJson, RECORD_LAYOUT } from './record-codec.ts';
import { MAX_MESSAGE_LENGTH } from './sanitize.ts';
import { testRecord } from './test-record.ts';
import type { InvocationRecord } from './types.ts';
import { uuidV7 } from './uuid-v7.ts';

function record(overrides: Partial<InvocationRecord> = {}): InvocationRecord {
  return testRecord({
    appId: 'app_codec',
    functionName: 'stripe-webhook',
    functionId: 'fn_1',
    userId: 'user-1',
    method: 'POST',
    path: '/v1/app_codec/fn/stripe-webhook',
    startedAt: new Date('2026-11-25T01:02:03.045Z'),
    ...overrides,
  });
}

function roundTrip(r: InvocationRecord): InvocationRecord {
  const json = encodeRecordJson(r);
  if (json === null) throw new Error('not storable');
  const row = {
    appId: r.appId,
    functionName: r.functionName,
    layout: RECORD_LAYOUT,
    functionId: r.functionId,
    revision: r.revision,
  };
  return decodeRecord(row, JSON.parse(json) as EncodedRecord);
}

describe('encodeRecordJson', () => {
  it('writes what decodeRecord reads back', () => {
    const r = record();
    expect(roundTrip(r)).toEqual(r);
    const failed = record({
      userId: null,
      trigger: 'cron',
      method: null,
      path: null,
      statusCode: 504,
      outcome: 'timeout',
      errorCode: 'FUNCTION_TIMEOUT',
      errorMessage: 'ran past 10 s',
    });
    expect(roundTrip(failed)).toEqual(failed);
  });

  it('escapes and cleans text a caller controls', () => {
    const r = record({
      path: '/a"b\\c\nd\u0001',
      userId: 'nul\u0000inside',
      errorMessage: `half \uD83D pair ${'x'.repeat(MAX_MESSAGE_LENGTH)}`,
    });
    const back = roundTrip(r);
    expect(back.path).toBe('/a"b\\c\nd\u0001');
    expect(back.userId).toBe('nul\uFFFDinside');
    expect(back.errorMessage).toMatch(/^half \uFFFD pair x+… \[truncated \d+ characters\]$/);
  });

  it('keeps durations to the microsecond and ids in lower case', () => {
    const id = uuidV7().toUpperCase();
    const back = roundTrip(record({ id, durationMs: 12.3456789 }));
    expect(back.id).toBe(id.toLowerCase());
    expect(back.durationMs).toBe(12.346);
    expect(roundTrip(record({ durationMs: 0.0004 })).durationMs).toBe(0);
    expect(roundTrip(record({ durationMs: 30_000 })).durationMs).toBe(30_000);
    expect(roundTrip(record({ durationMs: Number.NaN })).durationMs).toBe(0);
    expect(roundTrip(record({ statusCode: 2 ** 40 })).statusCode).toBeNull();
  });

  it('refuses a record that cannot be stored', () => {
    expect(encodeRecordJson(record({ id: 'not-a-uuid' }))).toBeNull();
    expect(encodeRecordJson(record({ startedAt: new Date(Number.NaN) }))).toBeNull();
    expect(encodeRecordJson(record({ outcome: '' as never }))).toBeNull();
  });
});

describe('decodeRecord', () => {
  it('reads layout 1, as batches written before V005 hold it', () => {
    const r = record({ startedAt: new Date('2026-11-25T01:02:03.045Z') });
    const row = { appId: r.appId, functionName: r.functionName, layout: 1, functionId: null, revision: null };
    const { id, functionId, revision, trigger, userId, method, path, statusCode, outcome } = r;
    const encoded = [id, functionId, revision, trigger, userId, method, path, statusCode, outcome];
    const v1 = [...encoded, r.errorCode, r.errorMessage, r.startedAt.toISOString(), r.durationMs];
    expect(decodeRecord(row, v1 as never)).toEqual(r);
  });
});
