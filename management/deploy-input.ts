import { type FunctionResource, functionSchema } from '../api/v1alpha1/function.types.ts';
import { API_GROUP_VERSION } from '../api/v1alpha1/group.ts';
import {
  type CompiledHandler,
  compileHandler,
  handlerFilename,
} from '../runtime-image/src/compile/compile.ts';
import { BbfnError } from '../runtime-image/src/errors.ts';
import type { DeployInput } from './schemas.ts';

/**
 * The Function manifest a deploy_function input stands for: what the local platform
 * writes to its directory and what is applied to a cluster, so kubectl, GitOps and the
 * API all see one object. Only the seed's fields are set (the schema's defaults fill in
 * the rest, as the API server's do); `parsed` is it with those defaults, checked.
 */
export function functionManifest(
  input: DeployInput,
  namespace?: string,
): { manifest: Record<string, unknown>; parsed: FunctionResource } {
  const manifest = {
    apiVersion: API_GROUP_VERSION,
    kind: 'Function',
    metadata: { name: input.name, ...(namespace ? { namespace } : {}) },
    spec: {
      appId: input.app_id,
      trigger: input.trigger,
      ...(input.envVars ? { envVars: input.envVars } : {}),
      code: input.code,
    },
  };
  const parsed = functionSchema.safeParse(manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BbfnError('VALIDATION_INVALID_REQUEST', `${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { manifest, parsed: parsed.data };
}

/**
 * Compiles the code before anything is written or applied, with the compiler every
 * host and the operator use, so a syntax error (with line and column) or a missing
 * `handler` export is the deploy's answer and the version that serves is not touched.
 */
export function compileForDeploy(input: DeployInput): Promise<CompiledHandler> {
  return compileHandler(input.code, { filename: handlerFilename(input.name) });
}
