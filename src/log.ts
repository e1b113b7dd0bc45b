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
  'env.GH_ENTERPRISE_TOKEN',
  // Installation tokens for agents travel as { token, expiresAt }, a git credential as { username, password }.
  '*.*.token',
  'password',
  '*.password',
];

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/** One readable line per log entry, for a person at a terminal: `warning: message (key=value ...)`. */
export function humanLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { level, time: _time, msg, err, ...rest } = entry;
  const name = LEVEL_NAMES[Number(level)] ?? String(level);
  const context = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const error = err && typeof err === 'object' && 'message' in err ? `: ${String((err as { message: unknown }).message)}` : '';
  return `${name}: ${String(msg ?? '')}${error}${context ? ` (${context})` : ''}\n`;
}

/**
 * Logs go to stderr so stdout stays clean for --json documents. On a
 * terminal they read as plain lines; JSON lines when AO_LOG_FORMAT=json or
 * when stderr is not a terminal (a log collector, CI).
 */
export function createLogger(
  level: string = process.env.AO_LOG_LEVEL ?? 'warn',
  format: string | undefined = process.env.AO_LOG_FORMAT,
  /** Where JSON lines go instead of stderr (tests read them). */
  sink?: { write(line: string): void },
): Logger {
  const human = format ? format === 'pretty' || format === 'human' : Boolean(process.stderr.isTTY);
  const destination = sink ?? (human ? { write: (line: string) => process.stderr.write(humanLogLine(line)) } : pino.destination(2));
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      // Keys are redacted above; a token inside a message or an error's text (a host's stderr, a URL) is scrubbed here.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a: unknown) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: Error) => {
          const serialized = pino.stdSerializers.err(error);
          return { ...serialized, message: redactSecrets(serialized.message), stack: redactSecrets(serialized.stack ?? '') };
        },
      },
    },
    destination,
  );
}

/** Scrub token-looking strings from free text (pane captures, error messages) before they are shown or logged. */
export function redactSecrets(text: string): string {
  return text
    // GitHub tokens, installation tokens in their newer form too (`ghs_<app id>_<JWT>`).
    .replace(/\b(gh[pousr]_[A-Za-z0-9_]{20,}(?:[.-][A-Za-z0-9_-]+)*|github_pat_[A-Za-z0-9_]{20,})\b/g, '[redacted]')
    .replace(/\b(sk-[A-Za-z0-9_-]{20,}|sk-ant-[A-Za-z0-9_-]{20,})\b/g, '[redacted]')
    .replace(/\b(AKIA[0-9A-Z]{16})\b/g, '[redacted]')
    .replace(/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)/g, '$1[redacted]$2')
    .replace(/\b((?:password|passwd|secret|token|api[_-]?key)\s*[=:]\s*)\S+/gi, '$1[redacted]');
}
