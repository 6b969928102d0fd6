import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { appSchema } from '../../api/v1alpha1/app.types.ts';
import { functionSchema } from '../../api/v1alpha1/function.types.ts';
import { API_GROUP, API_GROUP_VERSION } from '../../api/v1alpha1/group.ts';
import type { LoadedApp, LoadedFunction, ManifestProblem, ManifestSet } from './types.ts';
import { plainIssues } from './zod-issues.ts';

/**
 * One file's manifests, each document checked on its own: YAML syntax, the zod schema
 * (which includes the cron check), and the trigger types that are not implemented yet.
 * Checks that need the other files (does the App exist, duplicates, route conflicts)
 * are in resolve.ts. Documents of other API groups (a Deployment, a ConfigMap next to
 * the functions) are skipped without a problem, as `kubectl apply` would apply them.
 */
export function parseManifestText(text: string, file: string): ManifestSet {
  const set: ManifestSet = { apps: [], functions: [], problems: [] };
  const lineCounter = new LineCounter();
  // prettyErrors off: the messages stay one line (no code frame); positions come from lineCounter.
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  documents.forEach((document, documentIndex) => {
    parseDocument(document, { file, documentIndex, lineCounter }, set);
  });
  return set;
}

interface DocumentContext {
  file: string;
  documentIndex: number;
  lineCounter: LineCounter;
}

function parseDocument(document: Document, at: DocumentContext, set: ManifestSet): void {
  const where = { file: at.file, documentIndex: at.documentIndex };
  const locate = (path: readonly PropertyKey[]) => position(document, path, at.lineCounter);

  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const { line, col } = at.lineCounter.linePos(error.pos[0]);
      set.problems.push({ ...where, message: `YAML syntax error: ${error.message}`, line, column: col });
    }
    return;
  }

  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    // toJS refuses alias bombs (more than maxAliasCount expansions) and the like.
    set.problems.push({
      ...where,
      message: `YAML error: ${error instanceof Error ? error.message : String(error)}`,
    });
    return;
  }
  if (!isRecord(value)) return;

  const kind = typeof value.kind === 'string' ? value.kind : undefined;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const problem = (
    field: string,
    message: string,
    path: readonly PropertyKey[] = field.split('.'),
  ): ManifestProblem => ({
    ...where,
    ...(kind === undefined ? {} : { kind }),
    ...(name === undefined ? {} : { name }),
    field,
    message,
    code: 'VALIDATION_INVALID_MANIFEST',
    ...locate(path),
  });

  const apiVersion = value.apiVersion;
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith(`${API_GROUP}/`)) {
    // Not ours, unless it only lacks the apiVersion that would have made it ours.
    if (apiVersion === undefined && (kind === 'App' || kind === 'Function')) {
      set.problems.push(problem('apiVersion', `is required: ${API_GROUP_VERSION}`));
    }
    return;
  }
  if (apiVersion !== API_GROUP_VERSION) {
    set.problems.push(
      problem('apiVersion', `unsupported version ${JSON.stringify(apiVersion)}; use ${API_GROUP_VERSION}`),
    );
    return;
  }

  const source = { ...where, line: locate([]).line ?? 1 };
  if (kind === 'App') {
    const result = appSchema.safeParse(value);
    if (!result.success) {
      for (const issue of plainIssues(result.error))
        set.problems.push(problem(issue.field, issue.message, issue.path));
      return;
    }
    set.apps.push({ ...source, resource: result.data } satisfies LoadedApp);
    return;
  }
  if (kind === 'Function') {
    const result = functionSchema.safeParse(value);
    if (!result.success) {
      for (const issue of plainIssues(result.error))
        set.problems.push(problem(issue.field, issue.message, issue.path));
      return;
    }
    const triggerType = result.data.spec.trigger.type;
    if (triggerType === 's3_upload') {
      set.problems.push({
        ...problem('spec.trigger.type', `trigger type ${JSON.stringify(triggerType)} is not yet implemented`),
        code: 'VALIDATION_UNSUPPORTED_TRIGGER',
      });
      return;
    }
    set.functions.push({ ...source, resource: result.data } satisfies LoadedFunction);
    return;
  }
  set.problems.push(
    problem(
      'kind',
      `unknown kind ${JSON.stringify(kind ?? null)} in ${API_GROUP}; expected "App" or "Function"`,
    ),
  );
}

/**
 * Line and column of the deepest node on `path` that exists: a missing field points at
 * the object that should hold it.
 */
function position(
  document: Document,
  path: readonly PropertyKey[],
  lineCounter: LineCounter,
): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const keys = path.slice(0, depth).filter((key) => typeof key === 'string' || typeof key === 'number');
    const node = depth === 0 ? document.contents : document.getIn(keys, true);
    const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    }
  }
  return {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
