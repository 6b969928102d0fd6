/**
 * The condition types and reasons a Function's status uses: one home, so the
 * controller, the tests and the README agree. Types follow kstatus (the library Flux
 * and Argo CD read health with): `Ready` says whether the current spec runs;
 * `Reconciling` is present (True) only while a rollout is under way; `Stalled` is
 * present (True) only when it cannot go on without a change (a new spec, a fixed image,
 * room in the cluster).
 */
export const CONDITION = {
  ready: 'Ready',
  reconciling: 'Reconciling',
  stalled: 'Stalled',
} as const;

/** Why a Function is Ready, or on its way there. */
export const PROGRESS_REASON = {
  /** http/websocket: every pod of the current revision is available, none of an older one left. */
  available: 'Available',
  /** cron: the CronJob exists and its last Job of the current revision did not fail. */
  scheduled: 'Scheduled',
  /** The current revision's pods are starting, or the older ones are going. */
  rollingOut: 'RollingOut',
  /** A warm pool pod made the Function's serves the current revision while its own pods start. */
  servedByPoolPod: 'ServedByPoolPod',
  /** The revision's pods serve; the ingress controller does not route its URL to them yet (controller/ingress-probes.ts). */
  ingressNotConfigured: 'IngressNotConfigured',
  /** As ingressNotConfigured, for long: a Warning, as a misconfigured ingress or probe URL is likely. */
  ingressProbeFailing: 'IngressProbeFailing',
} as const;

/** Progress reasons worth a Warning Event when a rollout reaches them (function-status.ts). */
export const WARNING_PROGRESS_REASONS: ReadonlySet<string> = new Set([PROGRESS_REASON.ingressProbeFailing]);

/** Failures that stay until the Function's spec (or its App) changes: nothing retries them. */
export const SPEC_REASON = {
  invalidSpec: 'InvalidSpec',
  appNotFound: 'AppNotFound',
  appConflict: 'AppConflict',
  compileFailed: 'CompileFailed',
  unsupportedTrigger: 'UnsupportedTrigger',
} as const;

/** Failures seen in what runs: they clear when the pods recover. */
export const RUNTIME_REASON = {
  crashLoopBackOff: 'CrashLoopBackOff',
  /** ErrImagePull, ImagePullBackOff, InvalidImageName, ErrImageNeverPull. */
  imagePullFailed: 'ImagePullFailed',
  /** CreateContainerConfigError, CreateContainerError, RunContainerError. */
  containerFailed: 'ContainerFailed',
  /** The node's kubelet refused the pod (SysctlForbidden: an unsafe sysctl it does not allow). */
  podRejected: 'PodRejected',
  /** The Deployment's progress deadline passed without the rollout finishing. */
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** cron: the last Job of the current revision failed. */
  jobFailed: 'JobFailed',
} as const;

/** Failures of the operator's own work: retried with backoff. */
export const RETRIED_REASON = {
  /** The API server refused a child: a full Service IP range, a quota, an admission webhook. */
  applyFailed: 'ApplyFailed',
  /** The compiler itself failed (not the user's code): retried, as it may pass next time. */
  compilerError: 'CompilerError',
} as const;

/** Reasons of the Normal Events a Function's transitions record. */
export const EVENT_REASON = {
  rollingOut: 'RollingOut',
  rolledOut: 'RolledOut',
  scheduled: 'Scheduled',
  /** A warm pool pod was handed the current revision (pool/warm-pool.ts). */
  specialized: 'Specialized',
} as const;

/** Reasons of the Warning Events the warm pool records: the Function falls back to its own pods. */
export const POOL_WARNING_REASON = {
  specializeFailed: 'SpecializeFailed',
} as const;
