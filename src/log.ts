import pino, { type Logger } from 'pino';

/** Keys whose values never reach a log line. */
export const REDACT_PATHS = [
  'privateKey',
  '*.privateKey',
  'passphrase',
  '*.passphrase',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'env.GITHUB_TOKEN',
  'env.GH_TOKEN',
];

/** Logs go to stderr so stdout stays clean for --json documents. */
export function createLogger(level: string = process.env.AO_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }, pino.destination(2));
}

/** Scrub token-looking strings from free text (pane captures, error messages) before they are shown or logged. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '[redacted]')
    .replace(/\b(sk-[A-Za-z0-9_-]{20,}|sk-ant-[A-Za-z0-9_-]{20,})\b/g, '[redacted]')
    .replace(/\b(AKIA[0-9A-Z]{16})\b/g, '[redacted]')
    .replace(/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)/g, '$1[redacted]$2')
    .replace(/\b((?:password|passwd|secret|token|api[_-]?key)\s*[=:]\s*)\S+/gi, '$1[redacted]');
}
