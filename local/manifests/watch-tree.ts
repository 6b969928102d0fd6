import { type FSWatcher, watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface TreeWatcher {
  close(): void;
}

export interface WatchTreeOptions {
  /** Quiet time after the last event before `onChange` runs: an editor's save is several events. */
  debounceMs?: number;
  /** Directories never watched (the data directory, when it lies inside the tree). */
  ignore?: string[];
}

/**
 * Calls `onChange` after something changes under `root` (or in the one file `root`
 * names). Directories are watched, not files: editors, `sed -i` and `cp` replace a file
 * by renaming a new one over it, and a watch on the file's old inode would go quiet
 * after the first save, whereas the directory reports every rename into it. After each
 * batch of events the tree is scanned again, so directories added later are watched too.
 * Skips what the manifest loader skips: `node_modules` and dot directories.
 */
export async function watchTree(
  root: string,
  onChange: () => void,
  options: WatchTreeOptions = {},
): Promise<TreeWatcher> {
  const isFile = (await stat(root)).isFile();
  const top = isFile ? path.dirname(root) : root;
  const onlyName = isFile ? path.basename(root) : undefined;
  const ignore = new Set((options.ignore ?? []).map((dir) => path.resolve(dir)));
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void rescan().then(() => {
        if (!closed) onChange();
      });
    }, options.debounceMs ?? 150);
  };

  const rescan = async () => {
    const dirs = isFile ? [top] : await listDirectories(top, ignore);
    const wanted = new Set(dirs);
    for (const [dir, watcher] of watchers) {
      if (wanted.has(dir)) continue;
      watcher.close();
      watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (closed || watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => {
          if (onlyName === undefined || name === null || name === onlyName) schedule();
        });
        // The directory went away (removed or renamed): forget it, and look again.
        watcher.on('error', () => {
          watcher.close();
          if (watchers.get(dir) === watcher) watchers.delete(dir);
          schedule();
        });
        watchers.set(dir, watcher);
      } catch {
        // Gone between the scan and the watch; the event that removed it schedules a rescan.
      }
    }
  };

  await rescan();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

/** The directories watched: all under root but `ignore`, `node_modules` and dot directories. */
export async function listDirectories(root: string, ignore: Set<string>): Promise<string[]> {
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    const entries = await readdir(found[i]!, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      // Symbolic links to directories are not followed, as in find-files.ts: no cycles.
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const dir = path.join(found[i]!, entry.name);
      if (!ignore.has(dir)) found.push(dir);
    }
  }
  return found;
}
