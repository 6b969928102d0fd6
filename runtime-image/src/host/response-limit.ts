/**
 * The largest response body a handler may return, in bytes, unless the host is told
 * otherwise (BBFN_RESPONSE_LIMIT_BYTES): the request body's default limit, and AWS
 * Lambda's for a buffered response. The whole body is held in memory before it is
 * sent, so an unbounded one (a stream that never ends) would take the host's memory.
 */
export const DEFAULT_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;
