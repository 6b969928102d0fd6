import { request } from 'node:http';
import { inject } from 'vitest';
import { type KubectlResult, runKubectl } from '../kube/kubectl.ts';

/** kubectl against the e2e cluster, as a person runs it. Never throws: a refusal is a result. */
export async function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  const { kubectl: binary, kubeconfig } = inject('e2e');
  return runKubectl(binary, kubeconfig, args, input);
}

export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const { ok, out } = await kubectl(args, input);
  if (!ok) throw new Error(`kubectl ${args.join(' ')} failed: ${out}`);
  return out;
}

/** A generic Secret of `data` (key → value) in `namespace`; throws with kubectl's message. */
export function createSecret(namespace: string, name: string, data: Record<string, string>): Promise<string> {
  const literals = Object.entries(data).map(([key, value]) => `--from-literal=${key}=${value}`);
  return kubectlOk(['-n', namespace, 'create', 'secret', 'generic', name, ...literals]);
}

export interface IngressResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends a request for a Function URL (as its status reports it) to Traefik on loopback,
 * with the URL's host in the Host header: no DNS, nothing leaves the machine.
 * Resolves with status 0 when the connection fails.
 */
export function viaIngress(
  functionUrl: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<IngressResponse> {
  const target = new URL(functionUrl);
  const ingress = new URL(inject('e2e').ingressUrl);
  return new Promise((resolve) => {
    const req = request(
      {
        host: ingress.hostname,
        port: ingress.port,
        method: init.method ?? 'GET',
        path: `${target.pathname}${target.search}`,
        headers: { ...init.headers, host: target.host },
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.end(init.body);
  });
}

/** The ws:// URL that reaches a Function's URL through the ingress (Host set separately). */
export function ingressWebsocketUrl(functionUrl: string): string {
  const target = new URL(functionUrl);
  const ingress = new URL(inject('e2e').ingressUrl);
  return `ws://${ingress.host}${target.pathname}`;
}
