/**
 * Entry point of a sandbox worker thread: loads one compiled handler and runs its
 * invocations. The main thread owns HTTP, time limits and the worker's life; this
 * side builds `Request`/`ctx`, calls the handler and reports what happened.
 */
import { parentPort } from 'node:worker_threads';
import { loadHandlerModule } from '../../compile/load.ts';
import { BbfnError, isBbfnError } from '../../errors.ts';
import { MessageBatcher } from '../message-batcher.ts';
import type {
  InvokeMessage,
  LoadMessage,
  MainToWorker,
  SerializedError,
  WorkerBootstrap,
  WorkerToMain,
} from '../protocol.ts';
import { installConsoleCapture } from './console-capture.ts';
import { createContextFactory } from './handler-context.ts';
import {
  currentInvocation,
  type InvocationState,
  invocationStorage,
  newInvocationState,
  takeLines,
} from './invocation-context.ts';
import { installLazyRequestSupport } from './lazy-request.ts';
import { installLightResponse } from './light-response.ts';
import { installProcessGuards } from './process-guards.ts';
import { fromWebResponse, toWebRequest } from './request-adapter.ts';

// Read by Node when the thread booted (sandbox-thread.ts); not for the handler's eyes.
delete process.env.NODE_COMPILE_CACHE;
const port = parentPort!;
// Booted (maybe ahead of need, see sandbox-thread.ts); the first message says what to run.
const bootstrap = await new Promise<WorkerBootstrap>((resolve) => {
  port.once('message', (message: LoadMessage) => resolve(message.bootstrap));
});

const outbox = new MessageBatcher<WorkerToMain>((batch, transfer) => port.postMessage(batch, transfer));

function send(message: WorkerToMain, transfer?: ArrayBuffer[]): void {
  outbox.send(message, transfer);
}

/** Turns anything thrown into the stable code the caller sees and the detail the log keeps. */
function serializeError(
  error: unknown,
  fallback: 'FUNCTION_THREW' | 'FUNCTION_UNHANDLED_REJECTION',
): SerializedError {
  if (isBbfnError(error))
    return { code: error.code, message: error.message, internal: error.stack ?? error.message };
  // pg errors raised by ctx.db for a broken connection are wrapped by ctx.db already.
  const internal = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: fallback, message: new BbfnError(fallback).message, internal };
}

// Lines printed outside any invocation (module top level); the outbox batches them.
installConsoleCapture((line) => send({ type: 'lines', lines: [line] }));
installProcessGuards();
installLightResponse();
installLazyRequestSupport();

// A rejection nobody handled fails the invocation it came from (async context survives here).
process.on('unhandledRejection', (reason) => failFromOutside(reason, 'FUNCTION_UNHANDLED_REJECTION'));
process.on('uncaughtException', (error) => failFromOutside(error, 'FUNCTION_THREW'));

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
  state.escapedFailure = serialized;
  state.onEscapedFailure?.(serialized);
}

const contexts = createContextFactory(bootstrap.database, bootstrap.env);
const inflight = new Map<string, InvocationState>();
const backgroundWork = new Set<Promise<void>>();

let handler: (request: Request, ctx: unknown) => unknown;
try {
  handler = await loadHandlerModule(bootstrap.code);
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'load-error', error: serializeError(error, 'FUNCTION_THREW') });
  // Let the main thread decide; it terminates this worker.
  await new Promise(() => {});
}

async function runHandler(message: InvokeMessage, state: InvocationState): Promise<Response> {
  const request = toWebRequest(message, state.abort.signal);
  const ctx = contexts.build(message.caller, state);
  const escaped = new Promise<never>((_, reject) => {
    state.onEscapedFailure = (error) => reject(new BbfnError(error.code, error.message));
  });
  escaped.catch(() => {});
  const result = await Promise.race([Promise.resolve(handler(request, ctx)), escaped]);
  if (!(result instanceof Response)) {
    const got = result === null ? 'null' : typeof result;
    throw new BbfnError('FUNCTION_INVALID_RESPONSE', `The handler must return a Response object, got ${got}`);
  }
  return result;
}

async function invoke(message: InvokeMessage): Promise<void> {
  const state = newInvocationState(message.id);
  inflight.set(message.id, state);
  await invocationStorage.run(state, async () => {
    try {
      const response = await runHandler(message, state);
      const serialized = await fromWebResponse(response);
      state.responded = true;
      const transfer = serialized.body instanceof Uint8Array ? [serialized.body.buffer as ArrayBuffer] : [];
      send(
        {
          type: 'response',
          id: message.id,
          ...serialized,
          background: state.background.size > 0,
          lines: takeLines(state),
        },
        transfer,
      );
    } catch (error) {
      state.responded = true;
      const serialized = serializeError(error, 'FUNCTION_THREW');
      if (!isBbfnError(error)) console.error('Handler error:', error);
      send({
        type: 'failed',
        id: message.id,
        error: serialized,
        background: state.background.size > 0,
        lines: takeLines(state),
      });
    }
  });
  inflight.delete(message.id);
  if (state.background.size > 0) {
    const work = finishBackground(state);
    backgroundWork.add(work);
    void work.finally(() => backgroundWork.delete(work));
  }
}

/** Waits for `ctx.waitUntil` work, capped, then sends the lines it printed. */
async function finishBackground(state: InvocationState): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), bootstrap.backgroundLimitMs);
  });
  // Work registered while other work runs is waited for as well.
  let outcome: 'done' | 'timeout' = 'done';
  while (state.background.size > 0 && outcome === 'done') {
    const batch = [...state.background];
    state.background.clear();
    outcome = await Promise.race([Promise.allSettled(batch).then(() => 'done' as const), capped]);
  }
  clearTimeout(timer);
  let error: SerializedError | undefined;
  if (outcome === 'timeout') {
    const seconds = bootstrap.backgroundLimitMs / 1000;
    error = {
      code: 'FUNCTION_TIMEOUT',
      message: `Background work (ctx.waitUntil) exceeded ${seconds} s and was abandoned`,
    };
    state.lines.push({
      invocationId: state.id,
      seq: state.seq++,
      at: Date.now(),
      level: 'error',
      message: error.message,
    });
  }
  send({ type: 'background-done', id: state.id, lines: takeLines(state), ...(error ? { error } : {}) });
}

port.on('message', (batch: MainToWorker[]) => {
  for (const message of batch) receive(message);
});

function receive(message: MainToWorker): void {
  switch (message.type) {
    case 'invoke':
      void invoke(message);
      break;
    case 'cancel':
      inflight.get(message.id)?.abort.abort(new BbfnError('FUNCTION_TIMEOUT'));
      break;
    case 'ping':
      send({ type: 'pong', seq: message.seq });
      break;
    case 'drain':
      void Promise.allSettled([...backgroundWork]).then(async () => {
        await contexts.close().catch(() => {});
        send({ type: 'drained' });
      });
      break;
  }
}
