import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The ingress probe (as Knative probes its gateways): a request to a function's URL
 * carrying this header is answered by the host, not the handler, with the revision it
 * serves, so the operator can tell when the ingress routes the URL to a new revision
 * (operator/src/controller/ingress-probes.ts). Nothing runs, nothing is recorded, no
 * auth is asked: the answer discloses the revision id alone.
 */
export const PROBE_HEADER = 'x-bbfn-probe';
/** The answer's header: the revision the pod serves (the operator's revision id). */
export const REVISION_HEADER = 'x-bbfn-revision';

export function isProbe(request: FastifyRequest): boolean {
  return request.headers[PROBE_HEADER] !== undefined;
}

/** 204 naming the revision; no body, no caching by anything between. */
export function answerProbe(reply: FastifyReply, revision: string): void {
  reply.raw.writeHead(204, [REVISION_HEADER, revision, 'cache-control', 'no-store']);
  reply.hijack();
  reply.raw.end();
}
