/**
 * The webhook trigger's vocabulary: what a provider's verifier is given (the raw bytes,
 * before anything parsed them — a parsed-and-reserialised body no longer matches its
 * signature) and what it hands the host once the signature holds.
 */

/** One incoming delivery, exactly as it arrived. */
export interface WebhookDelivery {
  /** The request body's bytes; the signature is over these. */
  rawBody: Uint8Array;
  /** Header lookup by lower-case name (first value when repeated). */
  header(name: string): string | undefined;
  /** The URL the provider called, as it sees it (Twilio signs it). */
  url: string;
  /** Seconds since the epoch, when the delivery arrived. */
  nowSeconds: number;
}

/** What the handler gets as `ctx.webhook`. */
export interface WebhookEvent {
  provider: string;
  /** The provider's delivery id: the dedupe key (scope = provider). */
  id: string;
  /** The provider's event type (`payment_intent.succeeded`, `push`, …), when it names one. */
  type: string | null;
  /** The body, parsed (JSON, or form fields for form-encoded providers). */
  payload: unknown;
}

/** A reply the provider's handshake requires, sent by the host without running the handler. */
export interface HandshakeReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Verified =
  | { kind: 'event'; event: WebhookEvent }
  | { kind: 'handshake'; reply: HandshakeReply; event: WebhookEvent };

/** How a verifier is configured: the secrets (several during a rotation), the tolerance. */
export interface VerifierSettings {
  /** Every secret that is currently valid; any one of them verifying is enough. */
  secrets: readonly string[];
  toleranceSeconds: number;
}

export interface WebhookVerifier {
  /** Throws a WebhookRejection when the delivery is not authentic. */
  verify(delivery: WebhookDelivery): Verified;
}
