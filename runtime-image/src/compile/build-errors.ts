/**
 * Turns esbuild's diagnostics into the caller-facing errors of the seed contract:
 * `VALIDATION_SYNTAX_ERROR` and `VALIDATION_UNSUPPORTED_IMPORT`, with 1-based line
 * and column (what editors and V8 stack traces show; esbuild's columns are 0-based
 * UTF-8 byte offsets).
 */
import type { Message } from 'esbuild';
import { BbfnError } from '../errors.ts';
import { IMPORT_POLICY_PLUGIN, isUnsupportedImportDetail } from './import-policy.plugin.ts';

/** One diagnostic as it appears in `details.errors` and in `warnings`. */
export interface Diagnostic {
  message: string;
  text: string;
  file?: string;
  line?: number;
  column?: number;
  lineText?: string;
  specifier?: string;
}

/** esbuild counts columns in UTF-8 bytes; callers count UTF-16 characters, as V8 does. */
function characterColumn(lineText: string, byteColumn: number): number {
  const prefix = Buffer.from(lineText, 'utf8').subarray(0, byteColumn).toString('utf8');
  return prefix.length + 1;
}

export function toDiagnostic(message: Message): Diagnostic {
  const location = message.location;
  const specifier = isUnsupportedImportDetail(message.detail) ? message.detail.specifier : undefined;
  if (!location) return { message: message.text, text: message.text, ...(specifier ? { specifier } : {}) };
  const column = characterColumn(location.lineText, location.column);
  return {
    message: `${location.file}:${location.line}:${column}: ${message.text}`,
    text: message.text,
    file: location.file,
    line: location.line,
    column,
    lineText: location.lineText,
    ...(specifier ? { specifier } : {}),
  };
}

function isImportRejection(message: Message): boolean {
  return message.pluginName === IMPORT_POLICY_PLUGIN && isUnsupportedImportDetail(message.detail);
}

function detailsOf(first: Diagnostic, all: Diagnostic[]): Record<string, unknown> {
  const { message: _message, text: _text, ...position } = first;
  return { ...position, errors: all };
}

/**
 * Picks the error a caller should fix first. esbuild stops parsing at a syntax error,
 * so imports are only checked in code that parses; when both kinds are present the
 * syntax errors win because they make the rest of the report unreliable.
 */
export function toCompileError(errors: Message[], cause: unknown): BbfnError {
  const syntax = errors.filter((message) => !isImportRejection(message)).map(toDiagnostic);
  const imports = errors.filter(isImportRejection).map(toDiagnostic);
  const [firstSyntax] = syntax;
  if (firstSyntax) {
    return new BbfnError('VALIDATION_SYNTAX_ERROR', firstSyntax.message, {
      cause,
      details: detailsOf(firstSyntax, syntax),
    });
  }
  const [firstImport] = imports;
  if (firstImport) {
    return new BbfnError('VALIDATION_UNSUPPORTED_IMPORT', firstImport.message, {
      cause,
      details: detailsOf(firstImport, imports),
    });
  }
  return new BbfnError('INTERNAL', 'The handler could not be compiled', { cause });
}
