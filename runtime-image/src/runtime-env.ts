/**
 * The environment names the operator sets on runtime pods: their one home. Kept
 * free of heavy imports, because the pod entry reads some of them before loading
 * the host (see prewarm.ts); config.ts parses and checks them all.
 */
export const RUNTIME_ENV = {
  port: 'PORT',
  address: 'BBFN_LISTEN_ADDRESS',
  functionFile: 'BBFN_FUNCTION_FILE',
  bundleFile: 'BBFN_BUNDLE_FILE',
  databaseUrl: 'DATABASE_URL',
  sandboxDatabaseUrl: 'BBFN_SANDBOX_DATABASE_URL',
  jwtSecret: 'BBFN_JWT_SECRET',
  jwksUrl: 'BBFN_JWKS_URL',
  jwtIssuer: 'BBFN_JWT_ISSUER',
  jwtAudience: 'BBFN_JWT_AUDIENCE',
  jwtRequireExp: 'BBFN_JWT_REQUIRE_EXP',
  apiKeys: 'BBFN_API_KEYS',
  // A webhook trigger's signing secret(s), from its config.secretRef.
  webhookSecret: 'BBFN_WEBHOOK_SECRET',
  userRole: 'BBFN_DB_USER_ROLE',
  serviceRole: 'BBFN_DB_SERVICE_ROLE',
  workers: 'BBFN_WORKERS',
  poolMax: 'BBFN_DB_POOL_MAX',
  bodyLimit: 'BBFN_BODY_LIMIT_BYTES',
  responseLimit: 'BBFN_RESPONSE_LIMIT_BYTES',
  migrate: 'BBFN_MIGRATE',
  trustProxy: 'BBFN_TRUST_PROXY',
  spoolDir: 'BBFN_SPOOL_DIR',
  maxLogLines: 'BBFN_MAX_LOG_LINES',
  permission: 'BBFN_PERMISSION',
  // The revision the operator made the pod for: the ingress probe's answer (http/ingress-probe.ts).
  revision: 'BBFN_REVISION',
  // A warm pool process (pool/pool-host.ts): the port it takes its function on, and the
  // token a specialize request must carry. Set instead of functionFile.
  poolPort: 'BBFN_POOL_PORT',
  poolToken: 'BBFN_POOL_TOKEN',
} as const;
