/**
 * The runtime pod's entry point. Sandbox threads take longer to boot than anything
 * else at start, so they are started first and boot while the host loads
 * (prewarm.ts); then the host itself (pod-host.ts) serves the mounted function.
 */
import { prewarmFromEnvironment } from './prewarm.ts';
import { applyHeapFlags } from './threads/heap-flags.ts';

applyHeapFlags();
prewarmFromEnvironment();
await import('./pod-host.ts');
