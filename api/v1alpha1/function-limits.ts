/** A Function's limits when its spec names none (zod-free: the pod entry reads it early). */
/** The longest per-invocation time limit a Function may ask for (spec.limits.timeoutSeconds). */
export const MAX_TIMEOUT_SECONDS = 900;

export const DEFAULT_FUNCTION_LIMITS = Object.freeze({ timeoutSeconds: 30, memoryMb: 128 });
/** The heap caps a Function may ask for, in MB. */
export const MEMORY_MB_RANGE = Object.freeze({ min: 16, max: 4096 });
