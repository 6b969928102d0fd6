import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_MAX_LOG_LINES } from '../log-limits.ts';
import type { CapturedLine, SerializedError } from '../protocol.ts';

/** Per-invocation state inside a worker, found again from any async continuation. */
export interface InvocationState {
  id: string;
  seq: number;
  lines: CapturedLine[];
  /** Lines printed past the cap (lineCap) since the last marker line. */
  dropped: number;
  /** `ctx.waitUntil` work not yet awaited. */
  background: Promise<unknown>[];
  /** Made when the handler first reads `request.signal` (most never do): see invocationSignal(). */
  abort: AbortController | null;
  /** Why the invocation was cancelled, if it was; a signal made later starts aborted. */
  cancelled: unknown;
  /** Set when the invocation failed from outside its own await chain. */
  escapedFailure: SerializedError | null;
  onEscapedFailure: ((error: SerializedError) => void) | null;
  responded: boolean;
  /** Nothing of it is waited for any more: lines printed from now on are sent on their own. */
  finished: boolean;
  /** Timers its code set and that have not run out (invocation-timers.ts). */
  timers: Set<NodeJS.Timeout> | null;
  /** Called when its last pending timeout has run or been cleared, while someone waits. */
  onTimeoutsSettled: (() => void) | null;
  /** Its place in the runner's list of invocations in flight (inflight-list.ts). */
  slot: number;
}

export const invocationStorage = new AsyncLocalStorage<InvocationState>();

export function currentInvocation(): InvocationState | undefined {
  return invocationStorage.getStore();
}

export function newInvocationState(id: string): InvocationState {
  return {
    id,
    seq: 0,
    lines: [],
    dropped: 0,
    background: [],
    abort: null,
    cancelled: undefined,
    escapedFailure: null,
    onEscapedFailure: null,
    responded: false,
    finished: false,
    timers: null,
    onTimeoutsSettled: null,
    slot: -1,
  };
}

const NO_LINES: CapturedLine[] = Object.freeze([]) as unknown as CapturedLine[];

let maxLines = DEFAULT_MAX_LOG_LINES;

/** Console lines an invocation stores (its thread's bootstrap sets it). */
export function lineCap(): number {
  return maxLines;
}

export function setLineCap(cap: number | undefined): void {
  maxLines = cap ?? DEFAULT_MAX_LOG_LINES;
}

/**
 * Takes the lines captured so far, leaving the buffer empty for later ones; lines
 * dropped past the cap since the last take end it with one marker line that counts them.
 */
export function takeLines(state: InvocationState): CapturedLine[] {
  if (state.dropped > 0) {
    state.lines.push({
      invocationId: state.id,
      seq: state.seq++,
      at: Date.now(),
      level: 'warn',
      message: `${state.dropped} lines dropped: an invocation stores at most ${maxLines} console lines`,
      dropped: state.dropped,
    });
    state.dropped = 0;
  }
  const lines = state.lines;
  // Most invocations print nothing: no new buffer for them.
  if (lines.length === 0) return NO_LINES;
  state.lines = [];
  return lines;
}

/** The invocation's `request.signal`, made on first need: an AbortController a request cost ~1 µs and garbage. */
export function invocationSignal(state: InvocationState): AbortSignal {
  if (!state.abort) {
    state.abort = new AbortController();
    if (state.cancelled !== undefined) state.abort.abort(state.cancelled);
  }
  return state.abort.signal;
}

/** Aborts the invocation's signal, now or when it is made. */
export function cancelInvocation(state: InvocationState, reason: unknown): void {
  state.cancelled ??= reason;
  state.abort?.abort(reason);
}
