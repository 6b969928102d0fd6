import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The one logger of a process: JSON on stdout (asynchronous, so logging never
 * blocks a request), level from LOG_LEVEL, secrets redacted.
 */
export function createLogger(options: {
  name: string;
  level?: string;
  /** A file descriptor or path; or a stream (the local platform's readable lines on a terminal). */
  destination?: number | string | DestinationStream;
}): Logger {
  const destination = options.destination ?? 1;
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
    typeof destination === 'object' ? destination : pino.destination({ dest: destination, sync: false }),
  );
}
