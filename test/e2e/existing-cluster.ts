/**
 * What the e2e suite needs of a cluster it did not build, from the environment: kind.sh
 * sets it, and `node test/e2e/cluster.ts up` prints it for its node.
 */
export const EXISTING_CLUSTER_ENV = {
  /** One kubeconfig file, of a cluster with the chart installed (test/e2e/chart.ts install). */
  kubeconfig: 'KUBECONFIG',
  /** The ingress controller's HTTP entrypoint as this machine reaches it, e.g. http://127.0.0.1:8080. */
  ingressUrl: 'BBFN_E2E_INGRESS_URL',
  /** A Postgres superuser URL as this machine reaches it (the suite makes the app database there). */
  postgresUrl: 'BBFN_E2E_POSTGRES_URL',
  /** The same server as pods reach it; defaults to BBFN_E2E_POSTGRES_URL. */
  podPostgresUrl: 'BBFN_E2E_POD_POSTGRES_URL',
} as const;

export interface ExistingCluster {
  kubeconfig: string;
  ingressUrl: string;
  postgresUrl: string;
  podPostgresUrl: string;
}

/** Reads and checks them, naming every one that is missing or malformed at once. */
export function existingCluster(
  env: Record<string, string | undefined>,
  fileExists: (file: string) => boolean,
): ExistingCluster {
  const names = EXISTING_CLUSTER_ENV;
  const problems: string[] = [];
  const kubeconfig = env[names.kubeconfig] ?? '';
  if (kubeconfig.includes(':') || !fileExists(kubeconfig))
    problems.push(`${names.kubeconfig}=${kubeconfig} must name one existing kubeconfig file`);
  const url = (name: string, protocols: string[]) => {
    const text = env[name];
    if (!text) {
      problems.push(`${name} is not set`);
      return '';
    }
    const parsed = URL.canParse(text) ? new URL(text) : undefined;
    if (!parsed || !protocols.includes(parsed.protocol))
      problems.push(`${name}=${text} is not a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
    return text;
  };
  const ingressUrl = url(names.ingressUrl, ['http:']);
  const postgresUrl = url(names.postgresUrl, ['postgres:', 'postgresql:']);
  const podPostgresUrl = env[names.podPostgresUrl]
    ? url(names.podPostgresUrl, ['postgres:', 'postgresql:'])
    : postgresUrl;
  if (problems.length > 0)
    throw new Error(
      `With ${names.ingressUrl} set the e2e suite uses the cluster of KUBECONFIG, and needs:\n  ${problems.join('\n  ')}\n` +
        `(${Object.values(names).join(', ')}; test/e2e/kind.sh sets them, node test/e2e/cluster.ts up prints them)`,
    );
  return { kubeconfig, ingressUrl, postgresUrl, podPostgresUrl };
}
