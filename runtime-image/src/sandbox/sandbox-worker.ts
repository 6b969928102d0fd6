import { Worker } from 'node:worker_threads';
import { BbfnError, type ErrorCode } from '../errors.ts';
import { MessageBatcher } from './message-batcher.ts';
import type { MainToWorker, SerializedError, WorkerBootstrap, WorkerToMain } from './protocol.ts';

// The bundled runtime (see runtime-image/build.ts) names its worker bundle at build time.
declare const __BBFN_WORKER_BUNDLE__: string | undefined;
const WORKER_ENTRY =
  typeof __BBFN_WORKER_BUNDLE__ === 'string'
    ? new URL(__BBFN_WORKER_BUNDLE__, import.meta.url)
    : new URL('./worker/worker-main.ts', import.meta.url);

export interface SandboxWorkerOptions {
  bootstrap: WorkerBootstrap;
  memoryMb: number;
  onMessage: (message: WorkerToMain) => void;
  /** The worker is gone; `code` says why, for the invocations it still had. */
  onExit: (code: ErrorCode, detail: string) => void;
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
  private exited = false;
  private exitReason: { code: ErrorCode; detail: string } | null = null;
  readonly ready: Promise<void>;
  /** The handler module has loaded (`ready` resolved). */
  loaded = false;
  private readonly outbox: MessageBatcher<MainToWorker>;

  constructor(options: SandboxWorkerOptions) {
    this.worker = new Worker(WORKER_ENTRY, {
      workerData: options.bootstrap,
      env: {},
      resourceLimits: {
        maxOldGenerationSizeMb: options.memoryMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.min(32, Math.floor(options.memoryMb / 4))),
      },
    });
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

function loadError(error: SerializedError): BbfnError {
  // The message names the handler's problem (missing export, top-level throw); keep it.
  const code = error.code === 'FUNCTION_THREW' ? 'FUNCTION_LOAD_FAILED' : error.code;
  return new BbfnError(
    code,
    error.code === 'FUNCTION_THREW'
      ? `The handler module threw while loading: ${firstLine(error.internal)}`
      : error.message,
  );
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}
