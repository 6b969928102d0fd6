import type { FunctionLimits, Trigger } from '../../../api/v1alpha1/function.types.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';

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
}
