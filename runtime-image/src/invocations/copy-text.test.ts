import { describe, expect, it } from 'vitest';
import { copyTextRow } from './copy-text.ts';

describe('COPY text rows', () => {
  it('separates fields with tabs, ends with a newline and writes NULL as \\N', () => {
    expect(copyTextRow(['a', 1, null, 2.5])).toBe('a\t1\t\\N\t2.5\n');
  });

  it('escapes the characters that would break the framing', () => {
    expect(copyTextRow(['tab\there', 'line\nbreak\r', 'back\\slash'])).toBe(
      'tab\\there\tline\\nbreak\\r\tback\\\\slash\n',
    );
  });

  it('writes dates as ISO 8601 in UTC', () => {
    expect(copyTextRow([new Date(Date.UTC(2026, 10, 24, 12, 0, 0, 123))])).toBe('2026-11-24T12:00:00.123Z\n');
  });
});
