import { JSONStringify } from '../primordials.ts';
import {
  cleanNullable,
  cleanStatusCode,
  cleanText,
  isStorableRecord,
  MAX_FIELD_LENGTH,
  MAX_MESSAGE_LENGTH,
} from './sanitize.ts';
import { INVOCATION_OUTCOMES, INVOCATION_TRIGGERS, type InvocationRecord } from './types.ts';

/**
 * An invocation inside a stored batch, as layout 1 wrote it: a JSON array by position,
 * without the app and function names its batch row holds
 * (db/migrations/V004__invocation_batches.sql, whose view reads it too).
 */
export type EncodedRecordV1 = [
  id: string,
  functionId: string,
  revision: string,
  trigger: string,
  userId: string | null,
  method: string | null,
  path: string | null,
  statusCode: number | null,
  outcome: string,
  errorCode: string | null,
  errorMessage: string | null,
  startedAt: string,
  durationMs: number,
];

/**
 * Layout 2, what the host writes: the function id and revision are the batch row's,
 * and the start is epoch milliseconds (V005__invocation_batch_layout.sql).
 */
export type EncodedRecord = [
  id: string,
  trigger: string,
  userId: string | null,
  method: string | null,
  path: string | null,
  statusCode: number | null,
  outcome: string,
  errorCode: string | null,
  errorMessage: string | null,
  startedAtMs: number,
  durationMs: number,
];

/** The layout encodeRecordJson writes, stored in each batch row. */
export const RECORD_LAYOUT = 2;

/** What a batch row holds for all of its records. */
export interface BatchRowFields {
  appId: string;
  functionName: string;
  layout: number;
  /** Layout 2 only. */
  functionId: string | null;
  revision: string | null;
}

/**
 * The JSON of a record's EncodedRecord, its text cleaned (sanitize.ts), or null when
 * it cannot be stored. Built by hand: a serving worker encodes each record it makes
 * (record-run.ts), and an array for JSON.stringify with an ISO date from Date cost
 * ~1.4 µs a record, where this takes ~0.5. Its function id and revision go to its
 * batch row (record-run.ts).
 */
export function encodeRecordJson(r: InvocationRecord): string | null {
  if (!isStorableRecord(r)) return null;
  // A uuid needs no escaping.
  return `["${r.id.toLowerCase()}",${knownJson(r.trigger)},${nullableJson(r.userId)},${nullableJson(
    r.method,
  )},${nullableJson(r.path)},${cleanStatusCode(r.statusCode)},${knownJson(r.outcome)},${nullableJson(
    r.errorCode,
  )},${nullableJson(r.errorMessage, MAX_MESSAGE_LENGTH)},${r.startedAt.getTime()},${millisecondsJson(
    r.durationMs,
  )}]`;
}

// Triggers and outcomes come from short lists: their JSON is made once.
const KNOWN_JSON = new Map<string, string>(
  [...INVOCATION_TRIGGERS, ...INVOCATION_OUTCOMES].map((value) => [value, JSONStringify(value)]),
);

function knownJson(value: string): string {
  return KNOWN_JSON.get(value) ?? JSONStringify(cleanText(value, MAX_FIELD_LENGTH));
}

/**
 * A duration to the microsecond, written from integers: turning the double itself
 * into its shortest text cost ~0.3 µs.
 */
function millisecondsJson(durationMs: number): string {
  const micros = Math.round(durationMs * 1000);
  if (!(micros >= 0 && micros <= Number.MAX_SAFE_INTEGER)) return '0';
  const whole = Math.trunc(micros / 1000);
  const fraction = micros - whole * 1000;
  return `${whole}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

function nullableJson(value: string | null | undefined, max = MAX_FIELD_LENGTH): string {
  const clean = cleanNullable(value, max);
  return clean === null ? 'null' : quote(clean);
}

// What JSON escapes in a string that cleanText has made well-formed: control
// characters, '"' and '\\' (the class lists everything else).
const NEEDS_ESCAPE = /[^\u0020\u0021\u0023-\u005b\u005d-\uffff]/;

/** JSON.stringify of a cleaned string; most need no escaping, and testing for it is cheaper. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSONStringify(text) : `"${text}"`;
}

/** Where each field sits in a record of each layout (both put the id first). */
const POSITIONS = {
  1: {
    functionId: 1,
    revision: 2,
    trigger: 3,
    userId: 4,
    method: 5,
    path: 6,
    statusCode: 7,
    outcome: 8,
    errorCode: 9,
    errorMessage: 10,
    startedAt: 11,
    durationMs: 12,
  },
  2: {
    functionId: null,
    revision: null,
    trigger: 1,
    userId: 2,
    method: 3,
    path: 4,
    statusCode: 5,
    outcome: 6,
    errorCode: 7,
    errorMessage: 8,
    startedAt: 9,
    durationMs: 10,
  },
} as const;

export function decodeRecord(
  row: BatchRowFields,
  encoded: EncodedRecord | EncodedRecordV1,
): InvocationRecord {
  const at = row.layout === 1 ? POSITIONS[1] : POSITIONS[2];
  const e = encoded as unknown[];
  return {
    id: e[0] as string,
    appId: row.appId,
    functionName: row.functionName,
    // Layout 2 keeps them in the row.
    functionId: (at.functionId === null ? row.functionId : e[at.functionId]) as string,
    revision: (at.revision === null ? row.revision : e[at.revision]) as string,
    trigger: e[at.trigger] as InvocationRecord['trigger'],
    userId: e[at.userId] as string | null,
    method: e[at.method] as string | null,
    path: e[at.path] as string | null,
    statusCode: e[at.statusCode] as number | null,
    outcome: e[at.outcome] as InvocationRecord['outcome'],
    errorCode: e[at.errorCode] as string | null,
    errorMessage: e[at.errorMessage] as string | null,
    // ISO text in layout 1, epoch milliseconds in layout 2.
    startedAt: new Date(e[at.startedAt] as string | number),
    durationMs: e[at.durationMs] as number,
  };
}
