import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What a Prometheus user looks for on a controller: reconciles by result, their time, the backlog. */
export function createOperatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bbfn_operator_' });
  const reconciles = new Counter({
    name: 'bbfn_operator_reconciles_total',
    help: 'Function reconciles by result: deployed (its revision is available), pending (rolling out), failed (see its status), error (retried)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const reconcileSeconds = new Histogram({
    name: 'bbfn_operator_reconcile_duration_seconds',
    help: 'Time of one Function reconcile, compile included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'bbfn_operator_queue_depth',
    help: 'Functions waiting to be reconciled',
    registers: [registry],
  });
  const poolSpecializations = new Counter({
    name: 'bbfn_operator_pool_specializations_total',
    help: 'Warm pool pods handed a new revision, by outcome: specialized (it serves the revision), failed (deleted; the Deployment serves)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return { registry, reconciles, reconcileSeconds, queueDepth, poolSpecializations };
}
export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;
