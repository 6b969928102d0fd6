import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const MANIFEST_FILE = /\.ya?ml$/i;

/** The manifests' directory or file, or why it cannot be read (before anything else starts). */
export async function statManifests(dir: string): Promise<Stats> {
  return await stat(dir).catch((error: unknown) => {
    throw new Error(`Cannot read the manifests in ${dir}`, { cause: error });
  });
}

/**
 * Every `*.yaml` / `*.yml` under `dir`, as paths relative to it, sorted so that "the
 * later one" of two duplicates is the same on every machine. Skips `node_modules` and
 * dot directories (`.git`, `.data`…). Symbolic links to files are followed; links to
 * directories are not, so a link cycle cannot loop.
 */
export async function findManifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  await walk(dir, '', found);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function walk(root: string, relative: string, found: string[]): Promise<void> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      await walk(root, child, found);
    } else if (MANIFEST_FILE.test(entry.name)) {
      if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path.join(root, child)))))
        found.push(child);
    }
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false; // a dangling link
  }
}
