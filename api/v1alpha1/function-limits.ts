/** A Function's limits when its spec names none (zod-free: the pod entry reads it early). */
export const DEFAULT_FUNCTION_LIMITS = Object.freeze({ timeoutSeconds: 30, memoryMb: 128 });
