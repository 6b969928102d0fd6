import { type DockerEngine, ensureDockerEngine } from './docker.ts';

/**
 * Starts a Docker engine for the run when none answers (see ensureDockerEngine), before any
 * suite does, so the image suites of several projects share one daemon. Where none can be
 * started (not root, no dockerd) the run goes on: only the image suites need it, and they
 * fail with the reason in their own setup.
 */
export default async function setup() {
  let engine: DockerEngine | undefined;
  try {
    engine = await ensureDockerEngine();
  } catch (error) {
    console.error(`docker: no engine for this run (${(error as Error).message.split('\n')[0]})`);
  }
  return () => engine?.stop();
}
