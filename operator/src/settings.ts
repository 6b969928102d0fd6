/** How the operator dresses the objects it makes for Functions; set by the Helm chart. */
export interface OperatorSettings {
  /** The runtime image (the Dockerfile's `runtime` target). */
  runtimeImage: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** The shared ingress's public base URL: a Function's status.url starts with it. */
  publicBaseUrl: string;
  /** The shared ingress: its class, and the host its rules match (unset: any host). */
  ingress: { className: string; host?: string };
  /** What each runtime container asks for; its memory grows with the Function's heap cap. */
  runtimeResources: { cpuRequest: string; cpuLimit?: string };
}
