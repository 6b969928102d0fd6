import type { FunctionLimits, Trigger } from '../../../api/v1alpha1/function.types.ts';
import { functionId, triggerExtraPath } from '../../../api/v1alpha1/urls.ts';
import type { AuthConfig, AuthMode, Caller, HeadersInput } from '../auth/authenticator.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import { type CompiledHandler, compileHandler, handlerFilename } from '../compile/compile.ts';
import { BbfnError } from '../errors.ts';
import { FunctionSandbox } from '../sandbox/function-sandbox.ts';
import type { SandboxDatabaseConfig } from '../sandbox/protocol.ts';
import type { SandboxFactory, SandboxRestartReason } from '../sandbox/sandbox.ts';
import type { BootQueue } from '../threads/boot-queue.ts';
import { secretDigest, webhookGate } from '../webhook/gate.ts';
import type { FunctionDeployment } from './deployment.ts';
import { FunctionRegistry } from './function-registry.ts';
import type { InvocationSink } from './invocation-sink.ts';

export interface AppRuntimeConfig {
  appId: string;
  /**
   * The sandboxes' login for `ctx.db`: the authenticator (db/authenticator.ts), which
   * may only switch to the function roles. Never the admin's connection string.
   */
  sandboxDatabaseUrl: string | null;
  roles: { user: string; service: string };
  auth: AuthConfig;
}

interface AppRuntime {
  config: AppRuntimeConfig;
  authenticator: ReturnType<typeof createAuthenticator>;
}

export interface FunctionDefinition {
  appId: string;
  name: string;
  code: string;
  trigger: Trigger;
  envVars: Record<string, string>;
  limits: FunctionLimits;
  /** A webhook trigger's signing secret(s), resolved from its `config.secretRef`. */
  webhookSecret?: string;
}

export interface HostOptions {
  sink: InvocationSink;
  /** Worker threads per function revision. */
  workersPerFunction: number;
  /** ctx.db connections per worker. */
  poolMaxPerWorker: number;
  /** The seed's 30 s cap on `ctx.waitUntil` work. */
  backgroundLimitMs: number;
  /** Console lines stored per invocation (sandbox/log-limits.ts has the default). */
  maxLogLines?: number;
  /** The largest response body a handler may return (DEFAULT_RESPONSE_LIMIT_BYTES when unset). */
  responseLimitBytes?: number;
  /** How long a replaced revision may finish its requests and background work. */
  drainLimitMs: number;
  onDrainError?: (deployment: FunctionDeployment, error: unknown) => void;
  /** Where revisions run; worker threads behind this one unless said otherwise. */
  createSandbox?: SandboxFactory;
  /** How handler source becomes a bundle; a serving worker is handed the one its pod compiled. */
  compile?: (source: string, options: { filename: string }) => Promise<CompiledHandler>;
  /** Whether the host starts in the `starting` state; its owner clears it. */
  starting?: boolean;
  /** A sandbox replaced one of its threads (bbfn_sandbox_restarts_total). */
  onSandboxRestart?: (reason: SandboxRestartReason) => void;
  /** Sandboxes boot their first thread in turns (the local platform: threads/boot-queue.ts). */
  bootQueue?: BootQueue;
}

export interface DeployOptions {
  /**
   * A function that serves no version yet is routed before its sandbox has booted, and
   * its requests wait for the boot (the local platform's start). One that serves a
   * version keeps serving it until the new one has booted, as always.
   */
  serveWhileBooting?: boolean;
  /** The function is routed: its URL takes requests (they may wait for its boot). */
  onRouted?: () => void;
}

/**
 * The functions of one or more apps, each running in its own sandbox. A deploy
 * compiles and starts the new revision before it replaces the old one, so a broken
 * deploy never takes down the version that is serving.
 */
export class FunctionHost {
  readonly registry = new FunctionRegistry();
  readonly options: HostOptions;
  private readonly apps = new Map<string, AppRuntime>();
  private readonly draining = new Set<Promise<void>>();
  /** Serialises deploys of one function so two edits cannot race. */
  private readonly deployChains = new Map<string, Promise<unknown>>();

  /**
   * True while the first deploys run (the local platform listens before they finish):
   * a URL without a function then answers HOST_STARTING, which says to retry, not 404.
   */
  starting: boolean;

  constructor(options: HostOptions) {
    this.options = options;
    this.starting = options.starting ?? false;
  }

  setApp(config: AppRuntimeConfig): void {
    this.apps.set(config.appId, { config, authenticator: createAuthenticator(config.auth) });
  }

  /**
   * Who is calling a deployed function, under its trigger's auth mode: what both the
   * HTTP and the WebSocket routes ask first. Throws the 401/503 BbfnError of bad or
   * unverifiable credentials, and RESOURCE_NOT_FOUND when the function's app is gone.
   */
  authorize(
    deployment: FunctionDeployment,
    mode: AuthMode,
    headers: HeadersInput,
    query?: URLSearchParams,
  ): Promise<Caller> {
    const app = this.apps.get(deployment.appId);
    if (!app)
      return Promise.reject(new BbfnError('RESOURCE_NOT_FOUND', `App "${deployment.appId}" doesn't exist`));
    // Not async: on every request's path, one promise fewer.
    return app.authenticator.authorize(mode, headers, query);
  }

  deploy(definition: FunctionDefinition, options: DeployOptions = {}): Promise<FunctionDeployment> {
    const chainKey = `${definition.appId}/${definition.name}`;
    const previous = this.deployChains.get(chainKey) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.deployNow(definition, options));
    this.deployChains.set(chainKey, next);
    void next
      .finally(() => {
        if (this.deployChains.get(chainKey) === next) this.deployChains.delete(chainKey);
      })
      .catch(() => {});
    return next;
  }

  async undeploy(appId: string, name: string): Promise<boolean> {
    const removed = this.registry.remove(appId, name);
    if (removed) this.retire(removed);
    return removed !== undefined;
  }

  /** Finishes everything in flight (requests, background work), then stops the sandboxes. */
  async close(): Promise<void> {
    const all = this.registry.list();
    for (const d of all) this.registry.remove(d.appId, d.name);
    await Promise.all([...all.map((d) => d.sandbox.drain(this.options.drainLimitMs)), ...this.draining]);
  }

  private async deployNow(
    definition: FunctionDefinition,
    options: DeployOptions,
  ): Promise<FunctionDeployment> {
    const app = this.apps.get(definition.appId);
    if (!app) throw new BbfnError('RESOURCE_NOT_FOUND', `App "${definition.appId}" doesn't exist`);
    const { trigger } = definition;
    if (trigger.type === 's3_upload') {
      throw new BbfnError(
        'VALIDATION_UNSUPPORTED_TRIGGER',
        `Trigger type "${trigger.type}" is not yet implemented`,
      );
    }
    const extraPath = triggerExtraPath(trigger);
    if (extraPath) {
      const owner = this.registry.extraRouteOwner(definition.appId, extraPath);
      if (owner && owner.name !== definition.name) {
        throw new BbfnError(
          'VALIDATION_ROUTE_CONFLICT',
          `Path "${extraPath}" is already served by function "${owner.name}"`,
        );
      }
    }
    const webhook = trigger.type === 'webhook' ? webhookGate(trigger, definition.webhookSecret) : undefined;
    const compile = this.options.compile ?? compileHandler;
    const compiled = await compile(definition.code, { filename: handlerFilename(definition.name) });
    const current = this.registry.get(definition.appId, definition.name);
    if (current && current.revision === compiled.shortHash && sameConfig(current, definition)) {
      options.onRouted?.();
      return current;
    }

    const database: SandboxDatabaseConfig | null = app.config.sandboxDatabaseUrl
      ? {
          url: app.config.sandboxDatabaseUrl,
          poolMax: this.options.poolMaxPerWorker,
          roles: app.config.roles,
        }
      : null;
    const sink = this.options.sink;
    const createSandbox = this.options.createSandbox ?? ((options) => new FunctionSandbox(options));
    const sandbox = createSandbox({
      bootstrap: {
        code: compiled.code,
        env: definition.envVars,
        database,
        backgroundLimitMs: this.options.backgroundLimitMs,
        ...(this.options.maxLogLines ? { maxLogLines: this.options.maxLogLines } : {}),
        ...(this.options.responseLimitBytes ? { responseLimitBytes: this.options.responseLimitBytes } : {}),
      },
      workers: this.options.workersPerFunction,
      memoryMb: definition.limits.memoryMb,
      timeoutMs: definition.limits.timeoutSeconds * 1000,
      onLines: (lines) => sink.appendLines(definition.appId, lines),
      ...(this.options.onSandboxRestart ? { onRestart: this.options.onSandboxRestart } : {}),
      ...(this.options.bootQueue ? { bootQueue: this.options.bootQueue } : {}),
    });
    const deployment: FunctionDeployment = {
      appId: definition.appId,
      name: definition.name,
      functionId: functionId(definition.appId, definition.name),
      revision: compiled.shortHash,
      trigger,
      limits: definition.limits,
      sandbox,
      deployedAt: new Date(),
      envVars: definition.envVars,
      ...(webhook ? { webhook } : {}),
    };
    if (options.serveWhileBooting && !current) {
      this.registry.put(deployment);
      options.onRouted?.();
      try {
        await sandbox.start();
      } catch (error) {
        // It never served: its URL goes, unless a later deploy has taken it meanwhile.
        if (this.registry.get(definition.appId, definition.name) === deployment)
          this.registry.remove(definition.appId, definition.name);
        throw error;
      }
      return deployment;
    }
    await sandbox.start();
    const replaced = this.registry.put(deployment);
    options.onRouted?.();
    if (replaced) this.retire(replaced);
    return deployment;
  }

  private retire(deployment: FunctionDeployment): void {
    const drained = deployment.sandbox
      .drain(this.options.drainLimitMs)
      .catch((error: unknown) => this.options.onDrainError?.(deployment, error))
      .finally(() => this.draining.delete(drained));
    this.draining.add(drained);
  }
}

function sameConfig(current: FunctionDeployment, definition: FunctionDefinition): boolean {
  return (
    JSON.stringify([current.trigger, current.limits, current.envVars, current.webhook?.secretDigest]) ===
    JSON.stringify([
      definition.trigger,
      definition.limits,
      definition.envVars,
      secretDigest(definition.webhookSecret),
    ])
  );
}
