/**
 * The runtime pod's entry point. It runs under Node's permission model (permission.ts),
 * re-executing itself with the flags first when started without them. Sandbox threads
 * take longer to boot than anything else at start, so they are started next and boot
 * while the host loads (prewarm.ts); then the host itself (pod-host.ts) serves the
 * mounted function, or, in a warm pool process (BBFN_POOL_PORT), the function it is
 * later given (pool/pool-host.ts).
 */
import { fileURLToPath } from 'node:url';
import { enterPermissionModel } from './permission.ts';
import { RUNTIME_ENV } from './runtime-env.ts';

enterPermissionModel(fileURLToPath(import.meta.url));
const { applyHeapFlags } = await import('./threads/heap-flags.ts');
const { prewarmFromEnvironment } = await import('./prewarm.ts');
applyHeapFlags();
prewarmFromEnvironment();
// A process for a warm pool waits for its function instead of reading a mounted one.
if (process.env[RUNTIME_ENV.poolPort]) await import('./pool/pool-host.ts');
else await import('./pod-host.ts');
