/**
 * Entry point of a sandbox worker thread behind the host's main thread: loads one
 * compiled handler and runs the invocations the main thread sends. The main thread
 * owns HTTP, time limits and the worker's life; this side runs the handler
 * (invocation-runner.ts) and reports what happened.
 */
import { parentPort } from 'node:worker_threads';
import { MessageBatcher } from '../message-batcher.ts';
import type { LoadMessage, MainToWorker, WorkerBootstrap, WorkerToMain } from '../protocol.ts';
import { InvocationRunner, installSandboxGlobals, serializeError } from './invocation-runner.ts';

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

// Lines printed outside any invocation (module top level); the outbox batches them.
installSandboxGlobals((line) => send({ type: 'lines', lines: [line] }));

let runner: InvocationRunner;
try {
  runner = await InvocationRunner.load({
    bootstrap,
    onBackgroundDone: (id, lines, error) =>
      send({ type: 'background-done', id, lines, ...(error ? { error } : {}) }),
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'load-error', error: serializeError(error, 'FUNCTION_THREW') });
  // Let the main thread decide; it terminates this worker.
  await new Promise(() => {});
}

port.on('message', (batch: MainToWorker[]) => {
  for (const message of batch) receive(message);
});

function receive(message: MainToWorker): void {
  switch (message.type) {
    case 'invoke':
      void runner.run(message).then((outcome) => {
        const transfer =
          outcome.type === 'response' && outcome.body instanceof Uint8Array
            ? [outcome.body.buffer as ArrayBuffer]
            : [];
        send({ ...outcome, id: message.id }, transfer);
      });
      break;
    case 'cancel':
      runner.cancel(message.id);
      break;
    case 'ping':
      send({ type: 'pong', seq: message.seq });
      break;
    case 'drain':
      void runner.drain().then(() => send({ type: 'drained' }));
      break;
  }
}
