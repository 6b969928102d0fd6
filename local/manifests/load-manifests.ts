import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findManifestFiles, statManifests } from './find-files.ts';
import { parseManifestText } from './parse-documents.ts';
import { resolveManifests } from './resolve.ts';
import type { ManifestSet } from './types.ts';

export { formatProblem } from './format-problem.ts';
export { parseManifestText } from './parse-documents.ts';
export { resolveManifests } from './resolve.ts';
export type { LoadedApp, LoadedFunction, ManifestProblem, ManifestSet } from './types.ts';

/**
 * Loads every App and Function under `dir` (or from one file, when `dir` is a file):
 * what is valid is returned, what is not is reported in `problems` and left out.
 * Files are named relative to `dir` in the results.
 */
export async function loadManifests(dir: string): Promise<ManifestSet> {
  const info = await statManifests(dir);
  if (info.isFile()) {
    return resolveManifests([await loadManifestFile(dir, { root: path.dirname(dir) })]);
  }
  const files = await findManifestFiles(dir);
  const sets = await Promise.all(files.map((file) => loadManifestFile(path.join(dir, file), { root: dir })));
  return resolveManifests(sets);
}

/**
 * One file's documents, checked on their own (syntax, schema, cron). The checks across
 * files are not run: a caller that reloads one changed file keeps every file's result
 * and passes them all to `resolveManifests` again.
 */
export async function loadManifestFile(file: string, options: { root?: string } = {}): Promise<ManifestSet> {
  const name = toPosix(path.relative(options.root ?? process.cwd(), file));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      apps: [],
      functions: [],
      problems: [{ file: name, documentIndex: 0, message: `cannot read the file: ${reason}` }],
    };
  }
  return parseManifestText(text, name);
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
