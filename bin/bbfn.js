#!/usr/bin/env node
// `bbfn` under whatever Node runs it. The CLI (bbfn.ts) is TypeScript and needs the Node the
// project installs (the `node` package → node_modules/.bin/node), while the machine's own
// `node` may be older (20 has no type stripping). So: under that Node, or any Node ≥ 24,
// the CLI runs in this process; under an older one, it is re-run under the project's Node.
// Plain JavaScript that Node 18 can parse, on purpose. `npx bbfn` puts node_modules/.bin
// first on the PATH, so it lands in the first branch.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 24;
const binDir = path.dirname(fileURLToPath(import.meta.url));
// Re-run as this file, under the project's Node: the first branch then enables the cache.
const entry = fileURLToPath(import.meta.url);

if (Number(process.versions.node.split('.')[0]) >= REQUIRED_MAJOR) {
  // Before bbfn.ts loads, so that it, too, comes from the cache (compile-cache.js says why).
  (await import('./compile-cache.js')).enableBbfnCompileCache();
  await import('./bbfn.ts');
} else {
  const projectNode = path.join(binDir, '..', 'node_modules', '.bin', 'node');
  if (process.env.BBFN_RERUN_UNDER === projectNode) {
    // This is the re-run, and the project's Node is too old itself: say so, once.
    console.error(
      `bbfn: ${projectNode} is Node.js ${process.version}, not ${REQUIRED_MAJOR}; run npm ci again.`,
    );
    process.exit(1);
  }
  if (!existsSync(projectNode)) {
    console.error(
      `bbfn: needs Node.js ${REQUIRED_MAJOR}, and this is ${process.version}. \`npm ci\` installs it into ` +
        `${path.dirname(projectNode)}; run npm ci in ${path.dirname(binDir)} first.`,
    );
    process.exit(1);
  }
  // Its own process group: a Ctrl-C at the terminal reaches this process only, and is
  // passed on once. Two SIGINTs would make `bbfn start` skip its orderly shutdown.
  const child = spawn(projectNode, [entry, ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, BBFN_RERUN_UNDER: projectNode },
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const forward = (signal) => child.kill(signal);
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => {
    console.error(`bbfn: cannot run ${projectNode}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
