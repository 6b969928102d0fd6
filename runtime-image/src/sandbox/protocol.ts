/**
 * Messages between the host's main thread and a sandbox worker. Plain data only:
 * they cross threads by structured clone, bodies as transferred ArrayBuffers.
 */
import type { Caller } from '../auth/caller.ts';
import type { ErrorCode } from '../errors.ts';
import type { WebhookEvent } from '../webhook/types.ts';

/** Who is calling: the auth result, carried as plain data. */
export type CallerData = Caller;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface CapturedLine {
  /** Null for output outside any invocation (module top level). */
  invocationId: string | null;
  seq: number;
  at: number;
  level: LogLevel;
  message: string;
  /** On the marker line after lines dropped past the per-invocation cap: how many. */
  dropped?: number;
}

export interface SandboxDatabaseConfig {
  url: string;
  poolMax: number;
  roles: { user: string; service: string };
}

/** Everything a worker needs to run its handler; its first message (`load`). */
export interface WorkerBootstrap {
  code: string;
  env: Record<string, string>;
  database: SandboxDatabaseConfig | null;
  /** How long background work (`ctx.waitUntil`) may run after the response. */
  backgroundLimitMs: number;
  /** Console lines stored per invocation (log-limits.ts has the default). */
  maxLogLines?: number;
  /** The largest response body sent; DEFAULT_RESPONSE_LIMIT_BYTES when unset. */
  responseLimitBytes?: number;
}

export interface InvokeMessage {
  type: 'invoke';
  id: string;
  method: string;
  url: string;
  /** Flat [name, value, name, value…] as Node's rawHeaders. */
  headers: string[];
  body: Uint8Array | null;
  caller: CallerData;
  /** A verified webhook delivery (trigger type webhook): `ctx.webhook`, and how to dedupe it. */
  webhook?: WebhookInvocation;
}

export interface WebhookInvocation {
  event: WebhookEvent;
  /** Claim the delivery id for this long before running; null: run every delivery. */
  dedupe: { ttlSeconds: number } | null;
}

/** One invocation, as the host hands it to a sandbox. */
export type InvocationInput = Omit<InvokeMessage, 'type'>;

/** The first message a sandbox thread gets, alone and before any batch. */
export interface LoadMessage {
  type: 'load';
  bootstrap: WorkerBootstrap;
}

export type MainToWorker =
  | InvokeMessage
  | { type: 'cancel'; id: string }
  | { type: 'ping'; seq: number }
  | { type: 'drain' };

export interface SerializedError {
  code: ErrorCode;
  message: string;
  /** For the log and the invocation record, never for the caller. */
  internal?: string;
}

/** How one invocation ended (worker/invocation-runner.ts), with the console lines it printed until then. */
export type RunOutcome = (
  | {
      type: 'response';
      status: number;
      headers: [string, string][];
      /** A string when the handler gave one: it crosses threads and goes out as is. */
      body: string | Uint8Array | null;
    }
  | { type: 'failed'; error: SerializedError }
) & {
  /** True when the invocation registered background work (`ctx.waitUntil`). */
  background: boolean;
  /** A webhook delivery already claimed: acknowledged, not run. */
  duplicate?: true;
  lines: CapturedLine[];
};

export type WorkerToMain =
  | { type: 'ready' }
  | { type: 'load-error'; error: SerializedError }
  | (RunOutcome & { id: string })
  | { type: 'background-done'; id: string; lines: CapturedLine[]; error?: SerializedError }
  | { type: 'lines'; lines: CapturedLine[] }
  | { type: 'pong'; seq: number }
  | { type: 'drained' };
