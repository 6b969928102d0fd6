/**
 * What the host asks of the place a function revision runs: the worker threads
 * behind the main thread (FunctionSandbox) or the serving worker's own thread
 * (InThreadSandbox).
 */
import { BbfnError, type ErrorCode } from '../errors.ts';
import type { BootQueue } from '../threads/boot-queue.ts';
import type {
  CapturedLine,
  InvocationInput,
  RunOutcome,
  SerializedError,
  WorkerBootstrap,
} from './protocol.ts';

export type InvocationResult =
  | {
      ok: true;
      status: number;
      headers: [string, string][];
      body: string | Uint8Array | null;
      /** A webhook delivery already claimed: acknowledged, not run. */
      duplicate?: true;
    }
  | { ok: false; error: SerializedError };

export interface SandboxOptions {
  bootstrap: WorkerBootstrap;
  workers: number;
  memoryMb: number;
  timeoutMs: number;
  /** Captured console lines, as they arrive (response, background, top level). */
  onLines: (lines: CapturedLine[]) => void;
  /** Background work of an invocation ended; `error` when it was cut off or lost. */
  onBackgroundDone?: (invocationId: string, error?: SerializedError) => void;
  /** A thread that had loaded the handler was replaced, and why (bbfn_sandbox_restarts_total). */
  onRestart?: (reason: SandboxRestartReason) => void;
  /** Boot the first thread in turns with the other sandboxes (threads/boot-queue.ts). */
  bootQueue?: BootQueue;
}

/**
 * Why a sandbox thread was replaced: a handler held it past the time limit, its heap
 * passed the memory limit, or it died some other way.
 */
export type SandboxRestartReason = 'blocked' | 'memory' | 'crashed';

export interface Sandbox {
  /** Resolves when the handler has loaded and invocations can run; rejects with why not. */
  start(): Promise<void>;
  /** Never rejects: every failure is a result with a stable code. */
  invoke(input: InvocationInput): Promise<InvocationResult>;
  /** Finishes in-flight invocations and background work (up to `limitMs`), then stops. */
  drain(limitMs: number): Promise<void>;
  close(): Promise<void>;
  readonly inflight: number;
  readonly backgroundCount: number;
}

export type SandboxFactory = (options: SandboxOptions) => Sandbox;

export function failure(code: ErrorCode, message?: string): InvocationResult {
  return { ok: false, error: { code, message: message ?? new BbfnError(code).message } };
}

/** An invocation that ran past its time limit. */
export function timeoutFailure(timeoutMs: number): InvocationResult {
  return failure('FUNCTION_TIMEOUT', `The handler did not respond within ${timeoutMs / 1000} s`);
}

/** What the host gets for an invocation that ran to an answer. */
export function resultOf(outcome: RunOutcome): InvocationResult {
  return outcome.type === 'response'
    ? {
        ok: true,
        status: outcome.status,
        headers: outcome.headers,
        body: outcome.body,
        ...(outcome.duplicate ? { duplicate: true as const } : {}),
      }
    : { ok: false, error: outcome.error };
}
