import { type LocalPlatformOptions, startLocalPlatform } from '../../local/platform.ts';
import { createLogger } from '../../runtime-image/src/logger.ts';

export type Platform = Awaited<ReturnType<typeof startLocalPlatform>>;

/**
 * The local platform as the suites run it: on an ephemeral loopback port, its log silent,
 * its printed lines dropped unless `print` collects them, watching the directory unless told
 * not to, and never exiting the test process. Resolved once every function of the start has
 * booted and been reported (`platform.deployed`), so that what a suite then prints and
 * counts is its own; `booting: true` resolves as soon as the platform serves, as
 * `bbfn start` prints its URL, with the boots still going.
 */
export async function startTestPlatform(
  options: Pick<LocalPlatformOptions, 'manifestsDir' | 'dataDir'> &
    Partial<LocalPlatformOptions> & { booting?: boolean },
): Promise<Platform> {
  const { booting = false, ...platformOptions } = options;
  const platform = await startLocalPlatform({
    port: 0,
    address: '127.0.0.1',
    log: createLogger({ name: 'test', level: 'silent' }),
    print: () => {},
    watch: true,
    exit: () => {},
    ...platformOptions,
  });
  if (!booting) await platform.deployed;
  return platform;
}
