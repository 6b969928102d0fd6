/**
 * Rows in PostgreSQL's COPY text format: tab-separated, one row per line, `\N` for
 * NULL, and backslash escapes for the characters that would break the framing.
 */
type CopyValue = string | number | Date | null;

const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function field(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return value.toISOString();
  return SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : value;
}

export function copyTextRow(values: readonly CopyValue[]): string {
  let row = field(values[0] ?? null);
  for (let i = 1; i < values.length; i++) row += `\t${field(values[i] ?? null)}`;
  return `${row}\n`;
}
