/**
 * Timers belong to the invocation whose code set them, so its background work cannot
 * outlive it: after the response, the timeouts it left pending count as background work
 * (like `ctx.waitUntil`, under the same 30 s cap), and its intervals run until that
 * work is done; then whatever is left is cleared. An interval started once the
 * invocation is over does not run at all. Timers the code `unref()`s are left alone,
 * as they would not keep a process alive either (Node's own HTTP client keeps such a
 * timer for every connection, and it must go on ticking).
 */
import { currentInvocation, type InvocationState } from './invocation-context.ts';

const OWNER = Symbol('bbfn.timerOwner');
const REPEATS = Symbol('bbfn.timerRepeats');

type OwnedTimer = NodeJS.Timeout & { [OWNER]?: InvocationState; [REPEATS]?: boolean };

/** Taken before the wrappers below replace them: what the host's own timers use. */
const native = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  clearTimeout: globalThis.clearTimeout,
  clearInterval: globalThis.clearInterval,
};
export const hostSetTimeout = native.setTimeout;
export const hostClearTimeout = native.clearTimeout;

function own(state: InvocationState, timer: OwnedTimer, repeats: boolean): void {
  timer[OWNER] = state;
  timer[REPEATS] = repeats;
  state.timers ??= new Set();
  state.timers.add(timer);
}

function release(timer: OwnedTimer): void {
  const state = timer[OWNER];
  if (!state?.timers?.delete(timer)) return;
  if (state.onTimeoutsSettled && !hasPendingTimeouts(state)) state.onTimeoutsSettled();
}

/** A timeout of this invocation that is still due and would keep a process alive. */
export function hasPendingTimeouts(state: InvocationState): boolean {
  if (!state.timers) return false;
  for (const timer of state.timers as Set<OwnedTimer>) if (!timer[REPEATS] && timer.hasRef()) return true;
  return false;
}

/** Resolves once none of the invocation's timeouts is pending. */
export function timeoutsSettled(state: InvocationState): Promise<void> {
  if (!hasPendingTimeouts(state)) return Promise.resolve();
  return new Promise((resolve) => {
    state.onTimeoutsSettled = () => {
      state.onTimeoutsSettled = null;
      resolve();
    };
  });
}

/** Clears the invocation's timers that still run, except those unref()ed. */
export function clearInvocationTimers(state: InvocationState): void {
  if (!state.timers) return;
  for (const timer of [...state.timers] as OwnedTimer[]) {
    if (!timer.hasRef()) continue;
    state.timers.delete(timer);
    native.clearTimeout(timer);
  }
}

/** Replaces the thread's timer functions with ones that note their invocation. Once per thread. */
export function installInvocationTimers(): void {
  const wrapped = {
    setTimeout(callback: unknown, ms?: number, ...args: unknown[]) {
      const state = currentInvocation();
      if (!state || state.finished || typeof callback !== 'function')
        return native.setTimeout(callback as () => void, ms, ...args);
      const timer: OwnedTimer = native.setTimeout(
        (...callArgs: unknown[]) => {
          release(timer);
          (callback as (...a: unknown[]) => void)(...callArgs);
        },
        ms,
        ...args,
      );
      own(state, timer, false);
      return timer;
    },
    setInterval(callback: unknown, ms?: number, ...args: unknown[]) {
      const state = currentInvocation();
      const timer = native.setInterval(callback as () => void, ms, ...args) as unknown as OwnedTimer;
      if (!state) return timer;
      if (state.finished) {
        // Its invocation is over: nothing would ever stop it.
        native.clearInterval(timer);
        console.warn('setInterval() after the invocation ended was not started');
        return timer;
      }
      own(state, timer, true);
      return timer;
    },
    clearTimeout(timer: unknown) {
      if (timer && typeof timer === 'object') release(timer as OwnedTimer);
      native.clearTimeout(timer as NodeJS.Timeout);
    },
    clearInterval(timer: unknown) {
      if (timer && typeof timer === 'object') release(timer as OwnedTimer);
      native.clearInterval(timer as NodeJS.Timeout);
    },
  };
  for (const [name, value] of Object.entries(wrapped)) {
    // Same name and `promisify` behaviour as the natives (`setTimeout[promisify]`).
    const original = native[name as keyof typeof native] as unknown as Record<symbol, unknown>;
    for (const symbol of Object.getOwnPropertySymbols(original))
      (value as unknown as Record<symbol, unknown>)[symbol] = original[symbol];
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: true });
  }
}
