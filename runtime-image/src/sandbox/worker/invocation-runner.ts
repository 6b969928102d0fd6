/**
 * Runs invocations of one loaded handler in the current thread: builds the
 * `Request` and `ctx`, calls the handler, reads its `Response`, and keeps its
 * `ctx.waitUntil` work going after the response. Both ways a handler is hosted use
 * it: a sandbox worker behind the main thread (worker-main.ts) and a serving worker
 * that owns its HTTP connections (pod/serving-worker.ts).
 */
import { loadHandlerModule } from '../../compile/load.ts';
import { BbfnError, isBbfnError } from '../../errors.ts';
import { DEFAULT_RESPONSE_LIMIT_BYTES } from '../../host/response-limit.ts';
import { InflightList } from '../inflight-list.ts';
import type {
  CapturedLine,
  InvocationInput,
  RunOutcome,
  SerializedError,
  WorkerBootstrap,
} from '../protocol.ts';
import { installBuiltinGuard } from './builtin-guard.ts';
import { installConsoleCapture } from './console-capture.ts';
import { createContextFactory } from './handler-context.ts';
import {
  cancelInvocation,
  currentInvocation,
  type InvocationState,
  invocationSignal,
  invocationStorage,
  newInvocationState,
  setLineCap,
  takeLines,
} from './invocation-context.ts';
import {
  clearInvocationTimers,
  hasPendingTimeouts,
  hostClearTimeout,
  hostSetTimeout,
  installInvocationTimers,
  timeoutsSettled,
} from './invocation-timers.ts';
import { installLazyRequestSupport } from './lazy-request.ts';
import { installLightResponse } from './light-response.ts';
import { installProcessGuards } from './process-guards.ts';
import { fromWebResponse, type SerializedResponse, toWebRequest } from './request-adapter.ts';
import { runDelivery } from './webhook-delivery.ts';

export interface RunnerOptions {
  bootstrap: WorkerBootstrap;
  /** An invocation's background work ended: the lines it printed, and why when it was cut off. */
  onBackgroundDone: (id: string, lines: CapturedLine[], error?: SerializedError) => void;
}

/** Turns anything thrown into the stable code the caller sees and the detail the log keeps. */
export function serializeError(
  error: unknown,
  fallback: 'FUNCTION_THREW' | 'FUNCTION_UNHANDLED_REJECTION',
): SerializedError {
  if (isBbfnError(error))
    return { code: error.code, message: error.message, internal: error.stack ?? error.message };
  // pg errors raised by ctx.db for a broken connection are wrapped by ctx.db already.
  const internal = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: fallback, message: new BbfnError(fallback).message, internal };
}

/**
 * Makes this thread a place where handlers run: console captured per invocation,
 * process exits refused, the light Response and lazy Request, and errors that
 * escape an invocation's await chain failing that invocation. Once per thread.
 * `orphan` gets lines printed outside any invocation (module top level).
 */
export function installSandboxGlobals(orphan: (line: CapturedLine) => void): void {
  installConsoleCapture(orphan);
  installProcessGuards();
  installBuiltinGuard();
  installLightResponse();
  installLazyRequestSupport();
  installInvocationTimers();
  // A rejection nobody handled fails the invocation it came from (async context survives here).
  process.on('unhandledRejection', (reason) => failFromOutside(reason, 'FUNCTION_UNHANDLED_REJECTION'));
  process.on('uncaughtException', (error) => failFromOutside(error, 'FUNCTION_THREW'));
}

function failFromOutside(error: unknown, code: 'FUNCTION_THREW' | 'FUNCTION_UNHANDLED_REJECTION'): void {
  const state = currentInvocation();
  const serialized = serializeError(error, code);
  if (!state) {
    console.error(`${code} outside any invocation:`, error);
    return;
  }
  if (state.responded) {
    console.error('Unhandled error after the response was sent:', error);
    return;
  }
  // In the invocation's own log, with its reason, beside the record's error message.
  console.error(
    code === 'FUNCTION_UNHANDLED_REJECTION' ? 'Unhandled rejection:' : 'Uncaught exception:',
    error,
  );
  state.escapedFailure = serialized;
  state.onEscapedFailure?.(serialized);
}

type Handler = (request: Request, ctx: unknown) => unknown;

/** A failure that escaped the handler's await chain, with the detail its record keeps. */
class EscapedFailure {
  readonly error: SerializedError;
  constructor(error: SerializedError) {
    this.error = error;
  }
}

export class InvocationRunner {
  private readonly options: RunnerOptions;
  private readonly handler: Handler;
  private readonly responseLimit: number;
  private readonly contexts: ReturnType<typeof createContextFactory>;
  private readonly inflight = new InflightList<InvocationState>();
  private readonly backgroundWork = new InflightList<{ done: Promise<void>; slot: number }>();

  /** Loads the handler module; rejects with what the module did wrong. */
  static async load(options: RunnerOptions): Promise<InvocationRunner> {
    const handler = (await loadHandlerModule(options.bootstrap.code)) as Handler;
    return new InvocationRunner(options, handler);
  }

  private constructor(options: RunnerOptions, handler: Handler) {
    this.options = options;
    this.handler = handler;
    this.responseLimit = options.bootstrap.responseLimitBytes ?? DEFAULT_RESPONSE_LIMIT_BYTES;
    this.contexts = createContextFactory(options.bootstrap.database, options.bootstrap.env);
    setLineCap(options.bootstrap.maxLogLines);
  }

  get backgroundCount(): number {
    return this.backgroundWork.size;
  }

  run(input: InvocationInput): Promise<RunOutcome> {
    if (input.webhook)
      return runDelivery(input.webhook, this.contexts.deliveries, () => this.runHandler(input));
    return this.runHandler(input);
  }

  private runHandler(input: InvocationInput): Promise<RunOutcome> {
    const state = newInvocationState(input.id);
    this.inflight.add(state);
    // All of it inside the invocation's context: a body stream the handler made runs its
    // code (and prints its lines) while fromWebResponse reads it.
    return invocationStorage.run(state, () =>
      this.callHandler(input, state)
        .then((response) => fromWebResponse(response, this.responseLimit))
        .then(
          (serialized) => this.ended(state, { type: 'response', ...serialized }),
          (error: unknown) => {
            if (error instanceof EscapedFailure)
              return this.ended(state, { type: 'failed', error: error.error });
            if (!isBbfnError(error)) console.error('Handler error:', error);
            return this.ended(state, { type: 'failed', error: serializeError(error, 'FUNCTION_THREW') });
          },
        ),
    );
  }

  /** The invocation has its answer: what it printed goes with it, its background work goes on. */
  private ended(
    state: InvocationState,
    result: ({ type: 'response' } & SerializedResponse) | { type: 'failed'; error: SerializedError },
  ): RunOutcome {
    state.responded = true;
    // Timeouts it left pending are background work too (invocation-timers.ts).
    const background = state.background.length > 0 || hasPendingTimeouts(state);
    const outcome: RunOutcome = { ...result, background, lines: takeLines(state) };
    this.inflight.remove(state);
    if (!background) {
      clearInvocationTimers(state);
      state.finished = true;
    }
    if (background) {
      const work = { done: this.finishBackground(state), slot: -1 };
      this.backgroundWork.add(work);
      void work.done.finally(() => this.backgroundWork.remove(work));
    }
    return outcome;
  }

  /** The invocation's time is up: its `request.signal` aborts. */
  cancel(id: string): void {
    // A search: cancelling is rare (a timeout), while the list is touched on every request.
    const state = this.inflight.find((candidate) => candidate.id === id);
    if (state) cancelInvocation(state, new BbfnError('FUNCTION_TIMEOUT'));
  }

  /** Waits for all background work, then closes the database pool. */
  async drain(): Promise<void> {
    await Promise.allSettled(this.backgroundWork.snapshot().map((work) => work.done));
    await this.contexts.close().catch(() => {});
  }

  /**
   * The handler's Response, or the failure that escaped its await chain (an unhandled
   * rejection or uncaught exception in its async context), whichever comes first.
   */
  private callHandler(input: InvocationInput, state: InvocationState): Promise<Response> {
    return new Promise<unknown>((resolve, reject) => {
      state.onEscapedFailure = (error) => reject(new EscapedFailure(error));
      const request = toWebRequest(input, () => invocationSignal(state));
      const ctx = this.contexts.build(input.caller, state);
      if (input.webhook) ctx.webhook = input.webhook.event;
      Promise.resolve(this.handler(request, ctx)).then(resolve, reject);
    }).then((result) => {
      if (result instanceof Response) return result;
      const got = result === null ? 'null' : typeof result;
      throw new BbfnError(
        'FUNCTION_INVALID_RESPONSE',
        `The handler must return a Response object, got ${got}`,
      );
    });
  }

  /** Waits for `ctx.waitUntil` work, capped, then reports the lines it printed. */
  private async finishBackground(state: InvocationState): Promise<void> {
    const limitMs = this.options.bootstrap.backgroundLimitMs;
    let timer: NodeJS.Timeout | undefined;
    const capped = new Promise<'timeout'>((resolve) => {
      timer = hostSetTimeout(() => resolve('timeout'), limitMs);
    });
    // Work registered while other work runs is waited for as well.
    let outcome: 'done' | 'timeout' = 'done';
    while ((state.background.length > 0 || hasPendingTimeouts(state)) && outcome === 'done') {
      const batch = state.background;
      state.background = [];
      const settled = Promise.all([Promise.allSettled(batch), timeoutsSettled(state)]);
      outcome = await Promise.race([settled.then(() => 'done' as const), capped]);
    }
    hostClearTimeout(timer);
    // Its intervals stop with its background work; at the cap, its timeouts too.
    clearInvocationTimers(state);
    let error: SerializedError | undefined;
    if (outcome === 'timeout') {
      error = {
        code: 'FUNCTION_TIMEOUT',
        message: `Background work (ctx.waitUntil) exceeded ${limitMs / 1000} s and was abandoned`,
      };
      state.lines.push({
        invocationId: state.id,
        seq: state.seq++,
        at: Date.now(),
        level: 'error',
        message: error.message,
      });
    }
    const lines = takeLines(state);
    state.finished = true;
    this.options.onBackgroundDone(state.id, lines, error);
  }
}
