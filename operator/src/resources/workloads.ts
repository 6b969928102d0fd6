import type { V1CronJob, V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { extraRoutePath, functionPath, triggerExtraPath } from '../../../api/v1alpha1/urls.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from '../../../runtime-image/src/host/background-limits.ts';
import type { OperatorSettings } from '../settings.ts';
import { functionLabels, SERVICE_PORT_NAME, selectorLabels, workloadName } from './names.ts';
import { controllerReference } from './owner.ts';
import type { Revision } from './revision.ts';
import { runtimePodTemplate } from './runtime-pod.ts';

function metadata(fn: FunctionResource) {
  return {
    name: workloadName(fn.metadata.name),
    namespace: fn.metadata.namespace,
    labels: functionLabels(fn.metadata.name),
    ownerReferences: [controllerReference(fn)],
  };
}

/**
 * An http or websocket Function's pods. A new revision rolls out one pod at a time and
 * takes no pod away before its replacement is ready: the old code serves until then.
 * With `spec.scaling` the replicas are the HPA's (autoscaler.ts): left out of the apply,
 * server-side apply leaves the field to whoever set it last.
 */
export function functionDeployment(
  fn: FunctionResource,
  app: AppResource,
  revision: Revision,
  settings: OperatorSettings,
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(fn),
    spec: {
      ...(fn.spec.scaling ? {} : { replicas: 1 }),
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(fn.metadata.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: runtimePodTemplate(fn, app, revision, settings, 'serve'),
    },
  };
}

export function functionService(fn: FunctionResource): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(fn),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(fn.metadata.name),
      ports: [{ name: SERVICE_PORT_NAME, port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/**
 * The Function's rule on the shared ingress: its canonical URL (and what is below it)
 * and its extra route, when it has one, to its Service.
 */
export function functionIngress(fn: FunctionResource, settings: OperatorSettings): V1Ingress {
  const { appId, trigger } = fn.spec;
  const paths = [functionPath(appId, fn.metadata.name)];
  const extra = triggerExtraPath(trigger);
  if (extra) paths.push(extraRoutePath(appId, extra));
  const backend = { service: { name: workloadName(fn.metadata.name), port: { name: SERVICE_PORT_NAME } } };
  const { host, tlsSecretName, annotations } = settings.ingress;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...metadata(fn),
      // The platform's, for every Function: a cert-manager issuer, the controller's timeouts.
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      ingressClassName: settings.ingress.className,
      // The Secret is looked up in the Ingress's namespace, the Function's.
      ...(tlsSecretName ? { tls: [{ ...(host ? { hosts: [host] } : {}), secretName: tlsSecretName }] } : {}),
      rules: [
        {
          ...(host ? { host } : {}),
          // Prefix matches whole path segments: /fn/hello and /fn/hello/x, not /fn/hellox.
          http: { paths: paths.map((path) => ({ path, pathType: 'Prefix', backend })) },
        },
      ],
    },
  };
}

/**
 * A cron Function: a Job per scheduled time, whose pod runs the handler once as the
 * service role and exits. A run still going when the next is due makes that one wait
 * its turn out (Forbid), and a failed run is not retried: the handler's side effects
 * may have happened, and the invocation log says what went wrong.
 */
export function functionCronJob(
  fn: FunctionResource,
  app: AppResource,
  revision: Revision,
  settings: OperatorSettings,
): V1CronJob {
  if (fn.spec.trigger.type !== 'cron') throw new Error(`Function ${fn.metadata.name} has no cron trigger`);
  const { schedule, timeZone } = fn.spec.trigger.config;
  const runLimitSeconds =
    fn.spec.limits.timeoutSeconds + Math.ceil(drainLimitFor(BACKGROUND_LIMIT_MS) / 1000) + 60;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(fn),
    spec: {
      schedule,
      ...(timeZone ? { timeZone } : {}),
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: functionLabels(fn.metadata.name) },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: runLimitSeconds,
          template: runtimePodTemplate(fn, app, revision, settings, 'run-once'),
        },
      },
    },
  };
}
