import type { Worker } from 'node:worker_threads';
import { BbfnError, type ErrorCode } from '../errors.ts';
import { takeThread } from '../threads/prewarmed-threads.ts';
import { loadError } from './load-error.ts';
import { MessageBatcher } from './message-batcher.ts';
import type { LoadMessage, MainToWorker, WorkerBootstrap, WorkerToMain } from './protocol.ts';
import { sandboxThread } from './sandbox-thread.ts';

export interface SandboxWorkerOptions {
  bootstrap: WorkerBootstrap;
  memoryMb: number;
  onMessage: (message: WorkerToMain) => void;
  /** The worker is gone; `code` says why, for the invocations it still had. */
  onExit: (code: ErrorCode, detail: string) => void;
  /** Start a new thread rather than take a prewarmed one (threads/boot-queue.ts says when). */
  freshThread?: boolean;
}

/**
 * One worker thread running one handler revision. Its heap is capped, its
 * `process.env` is empty (the handler sees only `ctx.env`), and its stdout/stderr
 * are the host's (console is captured inside it anyway).
 */
export class SandboxWorker {
  readonly worker: Worker;
  /** Invocations sent and not yet answered. */
  inflight = 0;
  /** Set while a liveness check runs after a timeout; no new work goes here meanwhile. */
  checking: Promise<void> | null = null;
  /** Set while the memory watch (function-sandbox.ts) reads this thread's heap. */
  memoryProbe: Promise<void> | null = null;
  private exited = false;
  private exitReason: { code: ErrorCode; detail: string } | null = null;
  readonly ready: Promise<void>;
  /** The handler module has loaded (`ready` resolved). */
  loaded = false;
  private readonly outbox: MessageBatcher<MainToWorker>;

  constructor(options: SandboxWorkerOptions) {
    this.worker = takeThread(sandboxThread(options.memoryMb), { fresh: options.freshThread ?? false });
    this.outbox = new MessageBatcher((batch, transfer) => {
      if (!this.exited) this.worker.postMessage(batch, transfer);
    });
    this.ready = new Promise((resolve, reject) => {
      const onReadyMessage = (batch: WorkerToMain[]) => {
        for (const message of batch) {
          if (message.type === 'ready') resolve();
          else if (message.type === 'load-error') reject(loadError(message.error));
        }
      };
      this.worker.on('message', onReadyMessage);
      this.worker.once('exit', () =>
        reject(
          new BbfnError(
            'FUNCTION_LOAD_FAILED',
            this.exitReason?.detail ?? 'The sandbox exited while loading',
          ),
        ),
      );
    });
    this.ready.then(
      () => {
        this.loaded = true;
      },
      () => {},
    );
    this.worker.on('message', (batch: WorkerToMain[]) => {
      for (const message of batch) options.onMessage(message);
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      this.exitReason =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? {
              code: 'FUNCTION_MEMORY_LIMIT',
              detail: `The handler exceeded its memory limit of ${options.memoryMb} MB`,
            }
          : { code: 'FUNCTION_CRASHED', detail: error.message };
    });
    this.worker.once('exit', (exitCode) => {
      this.exited = true;
      const reason = this.exitReason ?? {
        code: 'FUNCTION_CRASHED' as const,
        detail: `The sandbox exited with code ${exitCode}`,
      };
      options.onExit(reason.code, reason.detail);
    });
    // The thread may have booted long ago (prewarmed); this tells it what to run.
    const load: LoadMessage = { type: 'load', bootstrap: options.bootstrap };
    this.worker.postMessage(load);
  }

  get alive(): boolean {
    return !this.exited;
  }

  post(message: MainToWorker, transfer?: ArrayBuffer[]): void {
    if (!this.exited) this.outbox.send(message, transfer);
  }

  /** Ends the worker now, naming why for the invocations it still had. */
  async kill(code: ErrorCode, detail: string): Promise<void> {
    this.exitReason ??= { code, detail };
    await this.worker.terminate();
  }
}
