import { defineConfig } from 'vitest/config';

// Three projects: everything that needs at most Postgres; the suites that need a Kubernetes
// API (started once per run by test/kube's global setup, or taken from KUBECONFIG); and the
// end-to-end suite on a real node (test/e2e's global setup; root, cold builds).
const kubeSuites = ['test/kube/**/*.test.ts', 'test/operator/**/*.test.ts'];
const e2eSuites = ['test/e2e/**/*.test.ts'];

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
          exclude: ['**/node_modules/**', '.data/**', ...kubeSuites, ...e2eSuites],
          globalSetup: ['test/support/postgres.global.ts', 'test/image/docker.global.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'kube',
          include: kubeSuites,
          // Postgres too: the App controller bootstraps app databases on it.
          globalSetup: [
            'test/kube/global-setup.ts',
            'test/support/postgres.global.ts',
            'test/image/docker.global.ts',
          ],
          // One control plane is shared; suites create their own namespaces.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 900_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: e2eSuites,
          globalSetup: ['test/e2e/global-setup.ts'],
          // One node is shared; suites create their own namespaces.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 3_600_000,
        },
      },
    ],
  },
});
