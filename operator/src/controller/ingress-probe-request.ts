import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PROBE_HEADER, REVISION_HEADER } from '../../../runtime-image/src/http/ingress-probe.ts';

/** What one probe through the ingress saw: the revision that answered, or what came instead. */
export type ProbeAnswer =
  | { revision: string }
  | { revision?: undefined; status: number }
  | { revision?: undefined; error: string };

/**
 * One probe: GET `probeUrl` + `path` with `Host: host` and the probe header, as a client
 * of the public URL would reach the ingress controller (node:http: the Host header
 * and the TLS server name go out as given here). Never rejects; bounded by
 * `timeoutMs` from start to the response's headers.
 */
export function probeIngress(
  probeUrl: string,
  path: string,
  host: string,
  timeoutMs: number,
): Promise<ProbeAnswer> {
  const url = new URL(`${probeUrl.replace(/\/+$/, '')}${path}`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'GET',
      headers: { host, [PROBE_HEADER]: '1' },
      // The certificate the ingress shows for the public host (SNI).
      servername: host.replace(/:\d+$/, ''),
      // A connection of its own, closed after: a probe every few seconds at most.
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('response', (response) => {
      clearTimeout(timer);
      response.resume();
      const revision = response.headers[REVISION_HEADER];
      if (typeof revision === 'string' && revision !== '') resolve({ revision });
      else resolve({ status: response.statusCode ?? 0 });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: error.code ?? error.message });
    });
    req.end();
  });
}

export function describeAnswer(answer: ProbeAnswer): string {
  if (answer.revision !== undefined) return `revision ${answer.revision} answered`;
  if ('status' in answer) return `HTTP ${answer.status} without a revision (not routed to a pod yet)`;
  return `no answer: ${answer.error}`;
}
