import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** parseArgs with `--help` on every command and errors that name the command. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  usage: string,
) {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(usage);
      return null;
    }
    return parsed;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\n${usage}`, { cause: error });
  }
}

/** As shown in `--help`. */
export const DEFAULT_DATA_DIR = '.data';

/**
 * `--data` as given (relative to the working directory), or else `.data` in the project:
 * `npx bbfn token` from a subdirectory finds the platform that `npm start` started.
 */
export function resolveDataDir(given: string | undefined): string {
  return given === undefined
    ? path.resolve(import.meta.dirname, '..', '..', DEFAULT_DATA_DIR)
    : path.resolve(given);
}

/** The `--data` a printed hint needs to reach this data directory from the working directory. */
export function dataDirFlag(dataDir: string): string {
  if (dataDir === resolveDataDir(undefined)) return '';
  const relative = path.relative(process.cwd(), dataDir);
  const shown = relative === '' ? '.' : relative.startsWith('..') ? dataDir : relative;
  return ` --data ${/^[\w./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`}`;
}
