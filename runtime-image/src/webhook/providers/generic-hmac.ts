import { createHash } from 'node:crypto';
import type { GenericHmac } from '../../../../api/v1alpha1/function.types.ts';
import { checkTimestamp, invalidSignature, missingSignature } from '../rejection.ts';
import { anyMatches, bodyText, hmac } from '../signatures.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/**
 * Any sender that signs with an HMAC: the signature in `hmac.header` after `hmac.prefix`,
 * over the raw body (or `<timestamp>.<body>` when `hmac.timestampHeader` is set), in
 * `hmac.encoding`. The delivery id comes from `hmac.idHeader`, else a digest of the body,
 * so a byte-identical retry is still recognised. The payload is JSON when it parses,
 * else the text.
 */
export function genericHmacVerifier(settings: VerifierSettings, config: GenericHmac): WebhookVerifier {
  const header = config.header.toLowerCase();
  return {
    verify(delivery) {
      const value = delivery.header(header);
      if (!value) throw missingSignature(`${config.header} header`);
      if (!value.startsWith(config.prefix)) throw invalidSignature('webhook');
      let timestamp: string | undefined;
      if (config.timestampHeader) {
        timestamp = delivery.header(config.timestampHeader.toLowerCase());
        if (!timestamp) throw missingSignature(`${config.timestampHeader} header`);
      }
      const sign = (secret: string) =>
        timestamp === undefined
          ? hmac(config.algorithm, secret, delivery.rawBody)
          : hmac(config.algorithm, secret, timestamp, '.', delivery.rawBody);
      const candidates = [value.slice(config.prefix.length)];
      if (!anyMatches(settings.secrets, candidates, sign, config.encoding)) throw invalidSignature('webhook');
      if (timestamp !== undefined) checkTimestamp(timestamp, delivery.nowSeconds, settings.toleranceSeconds);
      const id =
        (config.idHeader && delivery.header(config.idHeader.toLowerCase())) ||
        `sha256:${createHash('sha256').update(delivery.rawBody).digest('hex')}`;
      const text = bodyText(delivery.rawBody);
      let payload: unknown = text;
      try {
        payload = JSON.parse(text);
      } catch {
        // Not JSON: the handler gets the text (and can still read the raw bytes).
      }
      const type = (payload as { type?: unknown } | null)?.type;
      return {
        kind: 'event',
        event: { provider: 'generic-hmac', id, type: typeof type === 'string' ? type : null, payload },
      };
    },
  };
}
