import type { z } from 'zod';

/**
 * Zod's issues, said the way a manifest author reads them: a field path as it would be
 * written in a `kubectl explain` or a JSONPath (`spec.trigger.config.schedule`,
 * `spec.database.migrations[0]`, `spec.envVars["1a"]`) and a message without zod's
 * "Invalid input:" boilerplate.
 */
export interface PlainIssue {
  path: PropertyKey[];
  field: string;
  message: string;
}

export function plainIssues(error: z.ZodError): PlainIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path,
    field: formatFieldPath(issue.path),
    message: plainMessage(issue),
  }));
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function list(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}

function plainMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // Zod 4 only names the received type in its message.
      if (/received undefined$/.test(issue.message)) return 'is required';
      return issue.message.replace(/^Invalid input:\s*/, '');
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${list(issue.values)}`
        : `must be one of ${list(issue.values)}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) return `must be one of ${list(issue.options)}`;
      return issue.message;
    case 'invalid_key': {
      const inner = issue.issues.map((nested) => nested.message).join('; ');
      return `invalid key: ${inner}`;
    }
    case 'too_small':
      if (issue.minimum === 1 && (issue.origin === 'string' || issue.origin === 'array'))
        return 'must not be empty';
      return issue.message.replace(/^Too small:\s*/, '');
    case 'too_big':
      return issue.message.replace(/^Too big:\s*/, '');
    default:
      return issue.message;
  }
}
