import type { KubernetesObject } from '@kubernetes/client-node';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import type { Condition, FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import { functionId, functionUrl } from '../../../api/v1alpha1/urls.ts';
import { isBbfnError } from '../../../runtime-image/src/errors.ts';
import { functionObjects, UnsupportedTriggerError } from '../resources/function-objects.ts';
import { revisionOf } from '../resources/revision.ts';
import type { OperatorSettings } from '../settings.ts';
import { setCondition } from './conditions.ts';

/** What a reconcile decides for a Function: the objects to apply (none: leave what runs), and its status. */
export interface FunctionState {
  objects: KubernetesObject[];
  /** The revision the objects run (resources/revision.ts), when there are objects. */
  revision?: string;
  status: FunctionStatus;
  /** For an Event on the Function, when something went wrong. */
  warning?: { reason: string; message: string };
}

export interface FunctionStateInputs {
  fn: FunctionResource;
  /** The Apps of the Function's namespace. */
  apps: readonly AppResource[];
  /** The handler compiled, or the compile error (a BbfnError with line and column). */
  compile: (fn: FunctionResource) => Promise<string>;
  settings: OperatorSettings;
  now: Date;
}

/**
 * `base` for a generation that cannot be deployed: status failed, and a Deployed=False
 * condition saying why (the same for every reason, here and in the controller).
 */
export function failedStatus(
  base: FunctionStatus,
  previous: readonly Condition[] | undefined,
  why: { reason: string; message: string; generation: number | undefined },
  now: Date,
): FunctionStatus {
  const { reason, message, generation } = why;
  return {
    ...base,
    status: 'failed',
    conditions: setCondition(
      previous,
      { type: 'Deployed', status: 'False', reason, message, observedGeneration: generation },
      now,
    ),
  };
}

/**
 * Decides a Function's objects and status. When it cannot deploy (its App missing or
 * claimed twice, code that does not compile, a trigger not implemented) it applies
 * nothing: the revision that serves keeps serving, and the status says why the new
 * one does not.
 */
export async function functionState(inputs: FunctionStateInputs): Promise<FunctionState> {
  const { fn, settings, now } = inputs;
  const { appId, trigger } = fn.spec;
  const base: FunctionStatus = {
    functionId: functionId(appId, fn.metadata.name),
    ...(trigger.type === 'cron' ? {} : { url: functionUrl(settings.publicBaseUrl, appId, fn.metadata.name) }),
    observedGeneration: fn.metadata.generation,
  };
  const previous = (fn as { status?: FunctionStatus }).status?.conditions;
  const failed = (reason: string, message: string): FunctionState => ({
    objects: [],
    status: failedStatus(base, previous, { reason, message, generation: fn.metadata.generation }, now),
    warning: { reason, message },
  });

  const apps = inputs.apps.filter((app) => app.spec.appId === appId);
  if (apps.length === 0)
    return failed(
      'AppNotFound',
      `No App in namespace ${fn.metadata.namespace} has appId "${appId}" (RESOURCE_NOT_FOUND)`,
    );
  if (apps.length > 1) {
    const names = apps
      .map((app) => app.metadata.name)
      .sort()
      .join(', ');
    return failed('AppConflict', `Apps ${names} all claim appId "${appId}"`);
  }
  let bundle: string;
  try {
    bundle = await inputs.compile(fn);
  } catch (error) {
    if (!isBbfnError(error)) throw error;
    return failed('CompileFailed', `${error.code}: ${error.message}`);
  }
  let objects: KubernetesObject[];
  const revision = revisionOf(fn, bundle);
  try {
    objects = functionObjects(fn, apps[0]!, revision, settings);
  } catch (error) {
    if (error instanceof UnsupportedTriggerError) return failed('UnsupportedTrigger', error.message);
    throw error;
  }
  return {
    objects,
    revision: revision.id,
    status: {
      ...base,
      status: 'deployed',
      conditions: setCondition(
        previous,
        {
          type: 'Deployed',
          status: 'True',
          reason: 'Deployed',
          message: 'The objects of the current spec are applied',
          observedGeneration: fn.metadata.generation,
        },
        now,
      ),
    },
  };
}
