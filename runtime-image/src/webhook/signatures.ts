import { createHmac, timingSafeEqual } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** HMAC of the parts, in order, as raw bytes. */
export function hmac(
  algorithm: HmacAlgorithm,
  key: string | Buffer,
  ...parts: (string | Uint8Array)[]
): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Whether `candidate` (as the provider encoded it) equals `expected`, in time that does
 * not depend on where they differ. A candidate of the wrong length or encoding is false.
 */
export function sameSignature(expected: Buffer, candidate: string, encoding: 'hex' | 'base64'): boolean {
  const decoded = decode(candidate, encoding);
  if (!decoded || decoded.length !== expected.length) return false;
  return timingSafeEqual(expected, decoded);
}

function decode(text: string, encoding: 'hex' | 'base64'): Buffer | null {
  if (encoding === 'hex')
    return /^[0-9a-fA-F]*$/.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : null;
  return /^[A-Za-z0-9+/=_-]*$/.test(text) ? Buffer.from(text, 'base64') : null;
}

/**
 * True when any of the candidates matches a signature made with any of the secrets:
 * providers send several signatures while a secret rotates, and so may we hold several
 * secrets. Every pair is compared, so the time does not tell which matched.
 */
export function anyMatches(
  secrets: readonly string[],
  candidates: readonly string[],
  sign: (secret: string) => Buffer,
  encoding: 'hex' | 'base64',
): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = sign(secret);
    for (const candidate of candidates) matched = sameSignature(expected, candidate, encoding) || matched;
  }
  return matched;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function bodyText(raw: Uint8Array): string {
  return utf8.decode(raw);
}
