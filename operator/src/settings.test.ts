import { describe, expect, it } from 'vitest';
import { loadOperatorSettings } from './settings.ts';

describe('loadOperatorSettings', () => {
  it('fills in defaults around the two settings that have none', () => {
    const { settings, port, resyncSeconds } = loadOperatorSettings({
      BBFN_RUNTIME_IMAGE: 'registry.example.com/bbfn/runtime:1.0.0',
      BBFN_PUBLIC_BASE_URL: 'https://api.example.com',
    });
    expect(settings).toEqual({
      runtimeImage: 'registry.example.com/bbfn/runtime:1.0.0',
      imagePullPolicy: 'IfNotPresent',
      publicBaseUrl: 'https://api.example.com',
      ingress: { className: 'nginx' },
      runtimeResources: { cpuRequest: '100m', cpuLimit: '1' },
    });
    expect(port).toBe(8081);
    expect(resyncSeconds).toBe(600);
  });

  it('names each variable that is missing or wrong', () => {
    expect(() => loadOperatorSettings({ BBFN_IMAGE_PULL_POLICY: 'Sometimes' })).toThrow(
      /BBFN_RUNTIME_IMAGE: .*\n.*BBFN_IMAGE_PULL_POLICY: .*\n.*BBFN_PUBLIC_BASE_URL: /,
    );
  });
});
