import { defineConfig } from 'vitest/config';

// Two projects: everything that needs at most Postgres, and the suites that need a
// Kubernetes API (started once per run by test/kube's global setup, or taken from KUBECONFIG).
const kubeSuites = ['test/kube/**/*.test.ts', 'test/operator/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        // Without it a project keeps vitest's defaults (5 s per test, 10 s per hook), not the above.
        extends: true,
        test: {
          name: 'core',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', '.data/**', ...kubeSuites],
          globalSetup: ['test/support/postgres.global.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'kube',
          include: kubeSuites,
          // Postgres too: the App controller bootstraps app databases on it.
          globalSetup: ['test/kube/global-setup.ts', 'test/support/postgres.global.ts'],
          // One control plane is shared; suites create their own namespaces.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
