import { z } from 'zod';
import { DEFAULT_DATABASE_ROLES } from '../../runtime-image/src/db/roles.ts';
import { resourceSchema } from './meta.types.ts';
import { appStatusSchema } from './status.types.ts';

/** `app_abc123` is not a Kubernetes name, so the app id lives in the spec. */
export const appIdSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, "_" and "-"');

export const secretKeyRefSchema = z.object({ name: z.string().min(1), key: z.string().min(1) });

export const appSpecSchema = z.object({
  appId: appIdSchema,
  database: z
    .object({
      urlSecretRef: secretKeyRefSchema.optional().describe('Secret key holding the app database URL'),
      migrations: z
        .array(z.string().min(1))
        .optional()
        .describe(
          'SQL scripts (tables, RLS policies) the platform runs once each, in order, as the app database owner. ' +
            'Append new entries rather than editing applied ones: an applied entry is not run again.',
        ),
    })
    .default({}),
  auth: z
    .object({
      jwt: z
        .object({
          secretRef: secretKeyRefSchema
            .optional()
            .describe('HS256 signing secret of end-user JWTs; editing it rolls the pods'),
          jwksUrl: z.url().optional().describe('JWKS of the identity provider, for RS256/ES256/EdDSA tokens'),
          issuer: z.string().optional(),
          audience: z.union([z.string(), z.array(z.string())]).optional(),
        })
        .default({}),
      apiKeys: z
        .object({
          secretRef: secretKeyRefSchema.describe(
            'Secret key holding the platform API keys, comma- or newline-separated; editing it rolls the pods',
          ),
        })
        .optional()
        .describe('Platform API keys: a request bearing one runs as the service role (RLS bypassed)'),
    })
    .default({ jwt: {} }),
  roles: z
    .object({
      user: z.string().default(DEFAULT_DATABASE_ROLES.user),
      service: z.string().default('butterbase_service'),
    })
    .default({ ...DEFAULT_DATABASE_ROLES }),
});
export type AppSpec = z.infer<typeof appSpecSchema>;

/**
 * An App as stored. Its status comes along (the credentials revision rolls its
 * Functions' pods); one that does not parse counts as none rather than hiding the App.
 */
export const appSchema = resourceSchema('App', appSpecSchema).extend({
  status: appStatusSchema.optional().catch(undefined),
});
export type AppResource = z.infer<typeof appSchema>;
