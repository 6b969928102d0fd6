/**
 * Calls that, unguarded, end or take over the whole host process rather than the
 * invocation making them. Each must fail only its own invocation, in a pod and under
 * `npm start` alike: the process-wide calls with FUNCTION_PROCESS_EXIT
 * (process-guards.ts), the built-ins a function may not use with
 * VALIDATION_UNSUPPORTED_IMPORT (builtin-policy.ts). Written without import
 * statements: those are refused at deploy, before any of this could run
 * (DEPLOY_REFUSED_IMPORTS).
 */
const exit = 'FUNCTION_PROCESS_EXIT';
const refusedImport = 'VALIDATION_UNSUPPORTED_IMPORT';
/** A computed specifier: past the deploy-time check, to the loader hooks. */
const computed = (name: string) => `await import(['node', '${name}'].join(':'))`;

export const KILL_ATTEMPTS = {
  'kill-binding': { code: `process._kill(process.pid, 15);`, refusal: exit },
  kill: { code: `process.kill(process.pid, 'SIGKILL');`, refusal: exit },
  'nested-worker': {
    code: `const { Worker } = ${computed('worker_threads')};
    new Worker("process.kill(process.pid, 'SIGKILL')", { eval: true });
    await new Promise((resolve) => setTimeout(resolve, 500));`,
    refusal: refusedImport,
  },
  'builtin-worker': {
    code: `const { Worker } = process.getBuiltinModule('worker_threads');
    new Worker("process.kill(process.pid, 'SIGKILL')", { eval: true });`,
    refusal: refusedImport,
  },
  'require-worker': {
    code: `const { createRequire } = process.getBuiltinModule('module');
    const { Worker } = createRequire('/')('node:worker_threads');
    new Worker("process.kill(process.pid, 'SIGKILL')", { eval: true });`,
    refusal: refusedImport,
  },
  'child-process': {
    code: `const { execSync } = ${computed('child_process')};
    execSync('kill -9 ' + process.pid);`,
    refusal: refusedImport,
  },
  binding: { code: `process.binding('process_methods').reallyExit(1);`, refusal: refusedImport },
  'linked-binding': { code: `process._linkedBinding('x');`, refusal: refusedImport },
  dlopen: { code: `process.dlopen({ exports: {} }, '/nonexistent.node');`, refusal: refusedImport },
  'really-exit': { code: `process.reallyExit(1);`, refusal: exit },
  abort: { code: `process.abort();`, refusal: exit },
  exit: { code: `process.exit(3);`, refusal: exit },
  'v8-flags': {
    code: `const v8 = ${computed('v8')};
    v8.setFlagsFromString('--abort-on-uncaught-exception');`,
    refusal: refusedImport,
  },
  inspector: {
    code: `const { Session } = ${computed('inspector')};
    const session = new Session();
    session.connectToMainThread();`,
    refusal: refusedImport,
  },
} as const;

/** Imports a handler may not make, refused when it is deployed. */
export const DEPLOY_REFUSED_IMPORTS = [
  'node:worker_threads',
  'node:child_process',
  'node:module',
  'node:v8',
  'node:inspector',
  'node:fs',
];

/** A handler that runs the attempt named by the last path segment, and answers 200 otherwise. */
export const KILL_ATTEMPTS_HANDLER = `export async function handler(req) {
  const attempt = new URL(req.url).pathname.split('/').pop();
  switch (attempt) {
${Object.entries(KILL_ATTEMPTS)
  .map(([name, { code }]) => `    case ${JSON.stringify(name)}: { ${code} break; }`)
  .join('\n')}
  }
  return new Response('alive');
}`;
