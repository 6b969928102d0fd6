import { describe, expect, it } from 'vitest';
import { ConfigError, loadHostSettings } from './config.ts';
import { appFromSettings } from './settings-app.ts';

describe('loadHostSettings', () => {
  it('reads an audience list: a token may name any of them', () => {
    const settings = loadHostSettings({ BBFN_JWT_AUDIENCE: 'web, mobile', BBFN_WORKERS: '1' });
    expect(settings.jwtAudience).toEqual(['web', 'mobile']);
    expect(appFromSettings(settings, 'a').auth.jwt!.audience).toEqual(['web', 'mobile']);
    const one = loadHostSettings({ BBFN_JWT_AUDIENCE: 'web', BBFN_WORKERS: '1' });
    expect(appFromSettings(one, 'a').auth.jwt!.audience).toBe('web');
  });

  it('names each bad variable', () => {
    expect(() => loadHostSettings({ PORT: 'eighty', BBFN_JWKS_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => loadHostSettings({ PORT: 'eighty', BBFN_JWKS_URL: 'not a url' })).toThrow(
      /PORT: .*\n.*BBFN_JWKS_URL: /,
    );
  });
});
