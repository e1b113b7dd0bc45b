/**
 * Errors that reach a user. Each says what was wrong and, in `hint`, what to
 * do about it. `kind` decides the CLI exit code (usage -> 2, the rest -> 1).
 */
export type AoErrorKind =
  | 'usage' // bad input: unknown option, malformed id or branch name
  | 'not_found' // unknown session or project
  | 'config' // invalid configuration file
  | 'host' // a runner host could not be reached or refused
  | 'conflict' // the operation clashes with current state (already running, locked)
  | 'failed'; // the operation was attempted and failed

export class AoError extends Error {
  constructor(
    readonly kind: AoErrorKind,
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AoError';
  }
}

export const usageError = (message: string, hint?: string) => new AoError('usage', message, hint);
export const notFound = (message: string, hint?: string) => new AoError('not_found', message, hint);

export function exitCodeFor(error: unknown): number {
  if (error instanceof AoError && (error.kind === 'usage' || error.kind === 'config')) return 2;
  return 1;
}

export function describeError(error: unknown): string {
  if (error instanceof AoError) return error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
