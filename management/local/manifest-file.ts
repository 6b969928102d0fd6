/**
 * The local platform's directory is the source of truth, so a deploy through the API
 * is an edit of a file in it: the document that defines the function is replaced (the
 * file's other documents and comments stay), or a new file is written; a delete removes
 * the document, or the file when it held only that one.
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, parseAllDocuments, stringify } from 'yaml';

/** Where an existing function's manifest is: a path relative to the directory, and its document. */
export interface ManifestLocation {
  file: string;
  documentIndex: number;
}

/** Where a function first deployed through the API is written. */
export function newManifestFile(appId: string, name: string): string {
  return `${appId}/${name}.function.yaml`;
}

const HEADER = '# Deployed through the management API (deploy_function); edits here go live too.\n';

export async function writeFunctionManifest(
  dir: string,
  at: ManifestLocation | undefined,
  manifest: Record<string, unknown>,
  target: { appId: string; name: string },
): Promise<string> {
  const file = at?.file ?? newManifestFile(target.appId, target.name);
  const full = path.join(dir, file);
  if (!at) {
    await mkdir(path.dirname(full), { recursive: true });
    await writeAtomically(full, HEADER + stringify(manifest, { lineWidth: 0 }));
    return file;
  }
  const documents = parseAllDocuments(await readFile(full, 'utf8'));
  const document = documents[at.documentIndex];
  if (!document) throw new Error(`${file} has no document ${at.documentIndex + 1} any more`);
  (document as Document).contents = document.createNode(manifest);
  await writeAtomically(full, joinDocuments(documents));
  return file;
}

export async function removeFunctionManifest(dir: string, at: ManifestLocation): Promise<void> {
  const full = path.join(dir, at.file);
  const documents = parseAllDocuments(await readFile(full, 'utf8'));
  const rest = documents.filter((_, index) => index !== at.documentIndex);
  if (rest.every((document) => document.contents === null)) await unlink(full);
  else await writeAtomically(full, joinDocuments(rest));
}

function joinDocuments(documents: readonly Document[]): string {
  return documents
    .map((document, index) => {
      const text = document.toString({ lineWidth: 0 });
      return index === 0 || text.startsWith('---') ? text : `---\n${text}`;
    })
    .join('');
}

/** The watcher must never load half a file: write beside it, then rename over it. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}
