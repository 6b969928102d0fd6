/**
 * The intrinsics the host's own output depends on, taken when the host's modules
 * load, before any handler runs. A pod's serving worker runs the handler in the
 * host's own realm, so a handler that replaces `JSON.stringify` would otherwise change
 * the host's error bodies and records too; with these it changes only its own
 * behaviour (the habit of Node core's lib/internal/per_context/primordials.js).
 *
 * Objects the host serialises are made without a prototype (`nullObject`), so a
 * polluted `Object.prototype` (a `toJSON`, say, from a naive deep merge of request
 * JSON) is not consulted either.
 */
export const JSONStringify = JSON.stringify;
export const JSONParse = JSON.parse;
export const ObjectKeys = Object.keys;

/** `{ ...fields }` without a prototype: JSON.stringify finds no inherited `toJSON` on it. */
export function nullObject<T extends object>(fields: T): T {
  return Object.assign(Object.create(null) as T, fields);
}
