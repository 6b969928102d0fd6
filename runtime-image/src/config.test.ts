import { describe, expect, it } from 'vitest';
import { ConfigError, loadHostSettings } from './config.ts';
import { authenticatorUrl } from './db/authenticator.ts';
import { appFromSettings, invocationLogUrl } from './settings-app.ts';

describe('loadHostSettings', () => {
  it('reads an audience list: a token may name any of them', () => {
    const settings = loadHostSettings({ BBFN_JWT_AUDIENCE: 'web, mobile', BBFN_WORKERS: '1' });
    expect(settings.jwtAudience).toEqual(['web', 'mobile']);
    expect(appFromSettings(settings, 'a').auth.jwt!.audience).toEqual(['web', 'mobile']);
    const one = loadHostSettings({ BBFN_JWT_AUDIENCE: 'web', BBFN_WORKERS: '1' });
    expect(appFromSettings(one, 'a').auth.jwt!.audience).toBe('web');
  });

  it('reads API keys separated by commas or newlines', () => {
    const settings = loadHostSettings({ BBFN_API_KEYS: 'bb_sk_a,bb_sk_b\nbb_sk_c\n', BBFN_WORKERS: '1' });
    expect(settings.apiKeys).toEqual(['bb_sk_a', 'bb_sk_b', 'bb_sk_c']);
  });

  it("uses the operator's authenticator login as given, and derives one only from an admin URL", () => {
    const login = 'postgres://butterbase_authenticator_x:pw@db:5432/app';
    const given = loadHostSettings({ BBFN_SANDBOX_DATABASE_URL: login, BBFN_WORKERS: '1' });
    expect(appFromSettings(given, 'a').sandboxDatabaseUrl).toBe(login);
    expect(invocationLogUrl(given)).toBe(login);
    const admin = 'postgres://owner:secret@db:5432/app';
    const byHand = loadHostSettings({ DATABASE_URL: admin, BBFN_WORKERS: '1' });
    expect(appFromSettings(byHand, 'a').sandboxDatabaseUrl).toBe(authenticatorUrl(admin));
    expect(invocationLogUrl(byHand)).toBe(admin);
  });

  it('names each bad variable', () => {
    expect(() => loadHostSettings({ PORT: 'eighty', BBFN_JWKS_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => loadHostSettings({ PORT: 'eighty', BBFN_JWKS_URL: 'not a url' })).toThrow(
      /PORT: .*\n.*BBFN_JWKS_URL: /,
    );
  });
});
