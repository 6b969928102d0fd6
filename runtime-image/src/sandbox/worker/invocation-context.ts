import { AsyncLocalStorage } from 'node:async_hooks';
import type { CapturedLine, SerializedError } from '../protocol.ts';

/** Per-invocation state inside a worker, found again from any async continuation. */
export interface InvocationState {
  id: string;
  seq: number;
  lines: CapturedLine[];
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

/** Takes the lines captured so far, leaving the buffer empty for later ones. */
export function takeLines(state: InvocationState): CapturedLine[] {
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
