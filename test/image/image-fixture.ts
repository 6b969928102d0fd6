/**
 * What every suite that runs one of our images needs around it (the runtime's in
 * test/image, the operator's in test/kube): the image built from this checkout, and after
 * the suite nothing of it left on the engine.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { buildImage, buildImageContext, type DockerEngine, docker, ensureDockerEngine } from './docker.ts';

export interface ImageUnderTest {
  /** The container's name, for `lockedDownRun` and `docker inspect`. */
  readonly name: string;
  /** The image, tagged for this test process only. */
  readonly tag: string;
  /** A directory of the suite's own (mkdtemp: root-only) once the image is built. */
  work: string;
}

/**
 * For a suite: the Dockerfile's `target` built on a started engine, before its tests;
 * after them the container `name` and the image removed, the directory with them, and the
 * engine released. Register it before the suite's own hooks: a cold build takes minutes.
 */
export function imageUnderTest(target: 'runtime' | 'operator'): ImageUnderTest {
  const image: ImageUnderTest = {
    name: `bbfn-${target}-test-${process.pid}`,
    tag: `butterbase-functions/${target}:test-${process.pid}`,
    work: '',
  };
  let engine: DockerEngine | undefined;
  beforeAll(async () => {
    engine = await ensureDockerEngine();
    image.work = await mkdtemp(path.join(tmpdir(), `bbfn-${target}-image-`));
    const context = path.join(image.work, 'context');
    await buildImageContext(context);
    await buildImage(context, target, image.tag);
  }, 900_000);
  afterAll(async () => {
    await docker(['rm', '-f', image.name]).catch(() => {});
    await docker(['rmi', '-f', image.tag]).catch(() => {});
    if (image.work) await rm(image.work, { recursive: true, force: true });
    await engine?.stop();
  }, 120_000);
  return image;
}

/** The user ids (real, effective, saved, filesystem) of a running container's process, as the host sees them. */
export async function containerUids(name: string): Promise<string[]> {
  const pid = await docker(['inspect', '--format', '{{.State.Pid}}', name]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return /^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/);
}
