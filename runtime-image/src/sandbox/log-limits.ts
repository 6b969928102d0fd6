/**
 * Console lines stored per invocation (its background work included) unless
 * `BBFN_MAX_LOG_LINES` says otherwise. Past it a sandbox keeps counting and stores
 * one marker line saying how many it dropped, so one chatty invocation can neither
 * fill its thread's memory nor crowd other invocations out of the log.
 */
export const DEFAULT_MAX_LOG_LINES = 1_000;
