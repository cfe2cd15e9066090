import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may carry secrets anywhere in a log object. pino removes them before serialising,
 * so a token that reaches a log call by accident (an SDK error carrying request headers, a Slack
 * payload with `token`) never reaches the output.
 */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'botToken',
  'appToken',
  'signingSecret',
  '*.signingSecret',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-slack-signature"]',
  'credentials',
  '*.credentials',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'SecretAccessKey',
  '*.SecretAccessKey',
  'SessionToken',
  '*.SessionToken',
  'env.SLACK_BOT_TOKEN',
  'env.SLACK_APP_TOKEN',
  'env.SLACK_SIGNING_SECRET',
];

/** Matches Slack tokens and AWS secret-looking strings inside free text (error messages). */
const SECRET_IN_TEXT = /\bxox[abposr]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+/g;

export function scrubSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, '[REDACTED]');
}

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'snapshot-copy-bot' },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Free-text messages (often error messages) are scrubbed too: redact paths only see keys.
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          return { ...s, message: scrubSecrets(s.message ?? ''), stack: scrubSecrets(s.stack ?? '') };
        },
      },
    },
    options.destination,
  );
}
