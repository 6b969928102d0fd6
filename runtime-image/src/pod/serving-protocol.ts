/**
 * Messages between a pod's main thread (the supervisor: serving-pool.ts) and its
 * serving workers (serving-worker.ts), which own the HTTP connections and run the
 * handler in their own thread. Plain data: they cross threads by structured clone.
 */
import type { CompiledHandler } from '../compile/compile.ts';
import type { AppRuntimeConfig, FunctionDefinition } from '../host/host.ts';
import type { ForwardedOutput } from '../host/invocation-sink.ts';
import type { MetricsSource } from '../http/health-metrics.ts';
import type { SerializedError } from '../sandbox/protocol.ts';
import type { SandboxRestartReason } from '../sandbox/sandbox.ts';

export interface ServingInit {
  fn: FunctionDefinition;
  /** Compiled once by the main thread; every worker loads the same bundle. */
  compiled: CompiledHandler;
  /** The sandbox login only (AppRuntimeConfig.sandboxDatabaseUrl): the admin URL stays in main. */
  app: AppRuntimeConfig;
  http: {
    port: number;
    address: string;
    bodyLimit: number;
    responseLimit: number;
    trustProxy: boolean;
    /** The revision the ingress probe answers with (BBFN_REVISION). */
    revision?: string;
  };
  poolMax: number;
  backgroundLimitMs: number;
  /** Console lines stored per invocation (BBFN_MAX_LOG_LINES). */
  maxLogLines: number;
  drainLimitMs: number;
  logLevel: string;
  /** What the main thread's registry answers `/metrics` with. */
  metricsContentType: MetricsSource['contentType'];
  /** Int32Array slots the worker keeps current for the watchdog (VITALS). */
  vitals: SharedArrayBuffer;
}

/** How often a serving worker updates its vitals; the watchdog's resolution. */
export const BEAT_MS = 20;

/** Slots of `ServingInit.vitals`. */
export const VITALS = {
  /** Incremented by a timer in the worker: it stops moving while the thread is blocked. */
  beats: 0,
  /** Memory in use (heap and external: Buffers, ArrayBuffers), MiB, as of the last beat. */
  heapMb: 1,
  /** Invocations running now (bbfn_inflight_invocations), kept by the worker's sandbox as they start and end. */
  inflight: 2,
  length: 3,
} as const;

/** Why a worker is asked to stop taking connections and finish what it has. */
export type RetireReason = Exclude<SandboxRestartReason, 'crashed'>;

export type MainToServing =
  | { type: 'start'; init: ServingInit }
  | { type: 'drain' }
  | { type: 'retire'; reason: RetireReason; detail: string }
  | { type: 'metrics'; seq: number; text: string };

export type ServingToMain =
  /** The worker's code has loaded; it waits for `start`. */
  | { type: 'booted' }
  | { type: 'listening'; port: number }
  | { type: 'start-failed'; error: SerializedError }
  | { type: 'output'; output: ForwardedOutput }
  | { type: 'metrics-request'; seq: number }
  | { type: 'drained' };
