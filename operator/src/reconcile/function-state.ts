import type { KubernetesObject } from '@kubernetes/client-node';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import type { FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import { functionId, functionUrl } from '../../../api/v1alpha1/urls.ts';
import { type BbfnError, isBbfnError } from '../../../runtime-image/src/errors.ts';
import { functionObjects, UnsupportedTriggerError } from '../resources/function-objects.ts';
import { revisionOf } from '../resources/revision.ts';
import type { OperatorSettings } from '../settings.ts';
import { RETRIED_REASON, SPEC_REASON } from './condition-reasons.ts';
import type { Outcome } from './readiness.ts';
import { RetriedFailure } from './retried-failure.ts';

/**
 * What a reconcile decides for a Function from its spec alone: the objects to apply and
 * the revision they run, or why the spec cannot deploy (then nothing is applied, the
 * revision that serves keeps serving, and the failure stays until the spec changes).
 * `base` is the part of the status the spec decides: functionId and url.
 */
export type FunctionState =
  | { base: FunctionStatus; objects: KubernetesObject[]; revision: string; failure?: undefined }
  | { base: FunctionStatus; failure: Outcome; objects?: undefined; revision?: undefined };

export interface FunctionStateInputs {
  fn: FunctionResource;
  /** The Apps of the Function's namespace. */
  apps: readonly AppResource[];
  /** The handler compiled, or the compile error (a BbfnError with line and column). */
  compile: (fn: FunctionResource) => Promise<string>;
  settings: OperatorSettings;
}

/**
 * Whether a compile error is the code's (a syntax error, a refused import, no handler
 * export): the same source fails the same way, so it waits for the spec to change. The
 * compiler's own failures (INTERNAL: esbuild's service died, say) may pass next time.
 */
export function isCodeError(error: unknown): error is BbfnError {
  return isBbfnError(error) && error.code !== 'INTERNAL';
}

/** The status fields a Function's spec decides, whatever runs. */
export function statusBase(fn: FunctionResource, settings: OperatorSettings): FunctionStatus {
  const { appId, trigger } = fn.spec;
  return {
    functionId: functionId(appId, fn.metadata.name),
    ...(trigger.type === 'cron' ? {} : { url: functionUrl(settings.publicBaseUrl, appId, fn.metadata.name) }),
  };
}

/**
 * Decides a Function's objects, or the reason it cannot deploy: its App missing or
 * claimed twice, code that does not compile, a trigger not implemented. A compiler
 * that fails by itself (not on the user's code) throws a RetriedFailure.
 */
export async function functionState(inputs: FunctionStateInputs): Promise<FunctionState> {
  const { fn, settings } = inputs;
  const { appId } = fn.spec;
  const base = statusBase(fn, settings);
  const failed = (reason: string, message: string): FunctionState => ({
    base,
    failure: { phase: 'failed', reason, message },
  });

  const apps = inputs.apps.filter((app) => app.spec.appId === appId);
  if (apps.length === 0)
    return failed(
      SPEC_REASON.appNotFound,
      `No App in namespace ${fn.metadata.namespace} has appId "${appId}" (RESOURCE_NOT_FOUND)`,
    );
  if (apps.length > 1) {
    const names = apps
      .map((app) => app.metadata.name)
      .sort()
      .join(', ');
    return failed(SPEC_REASON.appConflict, `Apps ${names} all claim appId "${appId}"`);
  }
  let bundle: string;
  try {
    bundle = await inputs.compile(fn);
  } catch (error) {
    if (isCodeError(error)) return failed(SPEC_REASON.compileFailed, `${error.code}: ${error.message}`);
    const cause =
      (error as Error)?.cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
    const message = `The compiler failed (not on the code); retrying: ${(error as Error)?.message ?? error}${cause}`;
    throw new RetriedFailure(RETRIED_REASON.compilerError, message, { cause: error });
  }
  const revision = revisionOf(fn, bundle);
  try {
    return { base, objects: functionObjects(fn, apps[0]!, revision, settings), revision: revision.id };
  } catch (error) {
    if (error instanceof UnsupportedTriggerError)
      return failed(SPEC_REASON.unsupportedTrigger, error.message);
    throw error;
  }
}
