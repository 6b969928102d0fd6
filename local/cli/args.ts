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

export const DEFAULT_DATA_DIR = '.data';
