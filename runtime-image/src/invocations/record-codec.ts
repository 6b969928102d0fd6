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
 * An invocation inside a stored batch: a JSON array by position, without the app and
 * function names its batch row holds (the layout is documented in
 * db/migrations/V004__invocation_batches.sql, whose view reads it too).
 */
export type EncodedRecord = [
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
 * The JSON of a record's EncodedRecord, its text cleaned (sanitize.ts), or null when
 * it cannot be stored. Built by hand: a serving worker encodes each record it makes
 * (record-run.ts), and an array for JSON.stringify with an ISO date from Date cost
 * ~1.4 µs a record, where this takes ~0.5.
 */
export function encodeRecordJson(r: InvocationRecord): string | null {
  if (!isStorableRecord(r)) return null;
  // A uuid needs no escaping.
  return `["${r.id.toLowerCase()}",${functionJson(r.functionId, r.revision)},${knownJson(r.trigger)},${nullableJson(
    r.userId,
  )},${nullableJson(r.method)},${nullableJson(r.path)},${cleanStatusCode(r.statusCode)},${knownJson(
    r.outcome,
  )},${nullableJson(r.errorCode)},${nullableJson(r.errorMessage, MAX_MESSAGE_LENGTH)},"${isoTime(
    r.startedAt.getTime(),
  )}",${millisecondsJson(r.durationMs)}]`;
}

// Triggers and outcomes come from short lists: their JSON is made once.
const KNOWN_JSON = new Map<string, string>(
  [...INVOCATION_TRIGGERS, ...INVOCATION_OUTCOMES].map((value) => [value, JSON.stringify(value)]),
);

function knownJson(value: string): string {
  return KNOWN_JSON.get(value) ?? JSON.stringify(cleanText(value, MAX_FIELD_LENGTH));
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
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

// A revision's records all carry its function id and revision: encoded once.
const lastFunction = { functionId: '', revision: '', json: '"",""' };

function functionJson(functionId: string, revision: string): string {
  if (functionId !== lastFunction.functionId || revision !== lastFunction.revision) {
    lastFunction.json = `${JSON.stringify(cleanText(String(functionId ?? ''), MAX_FIELD_LENGTH))},${JSON.stringify(
      cleanText(String(revision ?? ''), MAX_FIELD_LENGTH),
    )}`;
    lastFunction.functionId = functionId;
    lastFunction.revision = revision;
  }
  return lastFunction.json;
}

// Records come many to a second: the ISO text of their second is made once
// (Date#toISOString cost ~0.8 µs), and each adds its milliseconds.
const lastSecond = { second: Number.NaN, prefix: '' };

/** `Date#toISOString` of an epoch millisecond. */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond.second) {
    // Everything before the milliseconds, whatever the year's width: "….SS."
    lastSecond.prefix = new Date(second * 1000).toISOString().slice(0, -4);
    lastSecond.second = second;
  }
  const milli = ms - second * 1000;
  return `${lastSecond.prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

export function decodeRecord(appId: string, functionName: string, e: EncodedRecord): InvocationRecord {
  return {
    id: e[0],
    appId,
    functionName,
    functionId: e[1],
    revision: e[2],
    trigger: e[3] as InvocationRecord['trigger'],
    userId: e[4],
    method: e[5],
    path: e[6],
    statusCode: e[7],
    outcome: e[8] as InvocationRecord['outcome'],
    errorCode: e[9],
    errorMessage: e[10],
    startedAt: new Date(e[11]),
    durationMs: e[12],
  };
}
