/**
 * The runtime pod's entry point. It runs under Node's permission model (permission.ts),
 * re-executing itself with the flags first when started without them. Sandbox threads
 * take longer to boot than anything else at start, so they are started next and boot
 * while the host loads (prewarm.ts); then the host itself (pod-host.ts) serves the
 * mounted function.
 */
import { fileURLToPath } from 'node:url';
import { enterPermissionModel } from './permission.ts';

enterPermissionModel(fileURLToPath(import.meta.url));
const { applyHeapFlags } = await import('./threads/heap-flags.ts');
const { prewarmFromEnvironment } = await import('./prewarm.ts');
applyHeapFlags();
prewarmFromEnvironment();
await import('./pod-host.ts');
