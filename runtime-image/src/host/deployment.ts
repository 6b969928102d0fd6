import type { FunctionLimits, Trigger } from '../../../api/v1alpha1/function.types.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import type { WebhookVerifier } from '../webhook/types.ts';

/** One running revision of one function: what the router needs to serve it. */
export interface FunctionDeployment {
  appId: string;
  name: string;
  functionId: string;
  /** Short content hash of the compiled bundle; changes with every code change. */
  revision: string;
  trigger: Trigger;
  limits: FunctionLimits;
  sandbox: Sandbox;
  deployedAt: Date;
  envVars: Record<string, string>;
  /** A webhook trigger's gate: how deliveries are verified and deduped. */
  webhook?: WebhookGate;
}

export interface WebhookGate {
  verifier: WebhookVerifier;
  dedupe: { ttlSeconds: number } | null;
  /** Tells a redeploy with a rotated secret from one that changed nothing. */
  secretDigest: string | undefined;
}
