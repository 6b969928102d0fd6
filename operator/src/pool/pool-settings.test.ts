import { describe, expect, it } from 'vitest';
import { MissingSetting, specializeSettings } from './pool-settings.ts';

const secrets: Record<string, Record<string, string>> = {
  'bbfn-app-demo': { 'sandbox-database-url': 'postgres://login@db/demo' },
};
const read = async (name: string, key: string) => secrets[name]?.[key];

describe('specializeSettings', () => {
  it('reads Secret references, keeps plain values, and leaves out the pool process’s own settings', async () => {
    const settings = await specializeSettings(
      [
        { name: 'PORT', value: '8080' },
        { name: 'BBFN_FUNCTION_FILE', value: '/etc/bbfn/function.json' },
        { name: 'BBFN_DB_USER_ROLE', value: 'butterbase_user' },
        {
          name: 'BBFN_SANDBOX_DATABASE_URL',
          valueFrom: { secretKeyRef: { name: 'bbfn-app-demo', key: 'sandbox-database-url' } },
        },
        {
          name: 'BBFN_API_KEYS',
          valueFrom: { secretKeyRef: { name: 'bbfn-app-demo', key: 'api-keys', optional: true } },
        },
      ],
      read,
    );
    expect(settings).toEqual({
      BBFN_DB_USER_ROLE: 'butterbase_user',
      BBFN_SANDBOX_DATABASE_URL: 'postgres://login@db/demo',
    });
  });

  it('refuses when a required key is missing, as the kubelet would refuse the pod', async () => {
    const missing = specializeSettings(
      [{ name: 'BBFN_JWT_SECRET', valueFrom: { secretKeyRef: { name: 'nowhere', key: 'jwt' } } }],
      read,
    );
    await expect(missing).rejects.toThrow(MissingSetting);
    await expect(missing).rejects.toThrow(/Secret nowhere has no key jwt/);
  });
});
