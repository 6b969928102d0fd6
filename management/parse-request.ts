import type { z } from 'zod';
import { BbfnError } from '../runtime-image/src/errors.ts';

/** zod's verdict as the API's error: VALIDATION_INVALID_REQUEST naming the field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    field: issue.path.join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  throw new BbfnError(
    'VALIDATION_INVALID_REQUEST',
    first ? `${first.field ? `${first.field}: ` : ''}${first.message}` : 'Invalid request',
    { details: { issues } },
  );
}

/** A JSON request body (the host's parser hands every body over as bytes). */
export function jsonBody(body: unknown): unknown {
  if (body === undefined || body === null) return {};
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BbfnError('VALIDATION_INVALID_REQUEST', `The body is not JSON: ${(error as Error).message}`);
  }
}
