import { type LocalPlatformOptions, startLocalPlatform } from '../../local/platform.ts';
import { createLogger } from '../../runtime-image/src/logger.ts';

export type Platform = Awaited<ReturnType<typeof startLocalPlatform>>;

/**
 * The local platform as the suites run it: on an ephemeral loopback port, its log silent,
 * its printed lines dropped unless `print` collects them, watching the directory unless told
 * not to, and never exiting the test process.
 */
export function startTestPlatform(
  options: Pick<LocalPlatformOptions, 'manifestsDir' | 'dataDir'> & Partial<LocalPlatformOptions>,
): Promise<Platform> {
  return startLocalPlatform({
    port: 0,
    address: '127.0.0.1',
    log: createLogger({ name: 'test', level: 'silent' }),
    print: () => {},
    watch: true,
    exit: () => {},
    ...options,
  });
}
