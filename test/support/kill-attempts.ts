/**
 * Calls that, unguarded, end or take over the whole host process rather than the
 * invocation making them. Each must fail only its own invocation with
 * FUNCTION_PROCESS_EXIT, in a pod and under `npm start` alike.
 */
export const KILL_ATTEMPTS = {
  'kill-binding': `process._kill(process.pid, 15);`,
  kill: `process.kill(process.pid, 'SIGKILL');`,
  'nested-worker': `const { Worker } = await import('node:worker_threads');
    new Worker("process.kill(process.pid, 'SIGKILL')", { eval: true });
    await new Promise((resolve) => setTimeout(resolve, 500));`,
  'builtin-worker': `const { Worker } = process.getBuiltinModule('worker_threads');
    new Worker("process.kill(process.pid, 'SIGKILL')", { eval: true });`,
  'require-worker': `const { createRequire } = await import('node:module');
    const { Worker } = createRequire('/')('node:worker_threads');
    new Worker("process.kill(process.pid, 'SIGKILL')", { eval: true });`,
  'child-process': `const { execSync } = await import('node:child_process');
    execSync('kill -9 ' + process.pid);`,
  binding: `process.binding('process_methods').reallyExit(1);`,
  'linked-binding': `process._linkedBinding('x');`,
  dlopen: `process.dlopen({ exports: {} }, '/nonexistent.node');`,
  'really-exit': `process.reallyExit(1);`,
  abort: `process.abort();`,
  exit: `process.exit(3);`,
  'v8-flags': `const v8 = await import('node:v8');
    v8.setFlagsFromString('--abort-on-uncaught-exception');`,
  'module-hooks': `const { registerHooks } = await import('node:module');
    registerHooks({ resolve: (s, c, next) => next(s, c) });`,
  inspector: `const { Session } = await import('node:inspector');
    const session = new Session();
    session.connectToMainThread();`,
} as const;

/** A handler that runs the attempt named by the last path segment, and answers 200 otherwise. */
export const KILL_ATTEMPTS_HANDLER = `export async function handler(req) {
  const attempt = new URL(req.url).pathname.split('/').pop();
  switch (attempt) {
${Object.entries(KILL_ATTEMPTS)
  .map(([name, code]) => `    case ${JSON.stringify(name)}: { ${code} break; }`)
  .join('\n')}
  }
  return new Response('alive');
}`;
