import pino, { type Logger } from 'pino';

/**
 * The one logger of a process: JSON on stdout (asynchronous, so logging never
 * blocks a request), level from LOG_LEVEL, secrets redacted.
 */
export function createLogger(options: {
  name: string;
  level?: string;
  destination?: number | string;
}): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      // Exact paths only: wildcard paths made redaction the costliest part of each line.
      redact: {
        paths: [
          'authorization',
          'password',
          'apiKey',
          'apiKeys',
          'secret',
          'databaseUrl',
          'headers.authorization',
          'settings.databaseUrl',
          'sandboxDatabaseUrl',
          'settings.sandboxDatabaseUrl',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: options.destination ?? 1, sync: false }),
  );
}
