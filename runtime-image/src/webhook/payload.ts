import { invalidPayload } from './rejection.ts';
import { bodyText } from './signatures.ts';

/** The body as JSON, or the provider's delivery is refused as unreadable (it was signed, so it is theirs). */
export function jsonBody(provider: string, raw: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(raw));
  } catch (error) {
    throw invalidPayload(provider, `not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalidPayload(provider, 'not a JSON object');
  return parsed as Record<string, unknown>;
}

/** An application/x-www-form-urlencoded body as ordered fields. */
export function formBody(raw: Uint8Array): URLSearchParams {
  return new URLSearchParams(bodyText(raw));
}

export function isForm(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** A field the provider always sends, as a non-empty string (numbers, such as Telegram's update_id, too). */
export function requiredId(provider: string, value: unknown, what: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw invalidPayload(provider, `it carries no ${what}`);
}

export function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
