import { AsyncLocalStorage } from 'node:async_hooks';
import type { CapturedLine, SerializedError } from '../protocol.ts';

/** Per-invocation state inside a worker, found again from any async continuation. */
export interface InvocationState {
  id: string;
  seq: number;
  lines: CapturedLine[];
  background: Set<Promise<unknown>>;
  abort: AbortController;
  /** Set when the invocation failed from outside its own await chain. */
  escapedFailure: SerializedError | null;
  onEscapedFailure: ((error: SerializedError) => void) | null;
  responded: boolean;
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
    background: new Set(),
    abort: new AbortController(),
    escapedFailure: null,
    onEscapedFailure: null,
    responded: false,
  };
}

/** Takes the lines captured so far, leaving the buffer empty for later ones. */
export function takeLines(state: InvocationState): CapturedLine[] {
  const lines = state.lines;
  state.lines = [];
  return lines;
}
