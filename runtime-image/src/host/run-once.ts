import { functionPath } from '../../../api/v1alpha1/urls.ts';
import type { FunctionDeployment } from './deployment.ts';
import type { InvocationSink } from './invocation-sink.ts';
import { type InvokeResponse, invokeFunction } from './invoker.ts';

/**
 * One scheduled run: the service role, `ctx.user = null`, no request body. The local
 * scheduler and a CronJob pod (`bbfn run-once`) both come through here.
 */
export function runScheduled(
  deployment: FunctionDeployment,
  sink: InvocationSink,
  baseUrl: string,
): Promise<InvokeResponse> {
  const path = functionPath(deployment.appId, deployment.name);
  return invokeFunction(
    deployment,
    {
      method: 'POST',
      url: `${baseUrl}${path}`,
      path,
      headers: [],
      body: null,
      caller: { kind: 'service' },
      trigger: 'cron',
    },
    sink,
  );
}
