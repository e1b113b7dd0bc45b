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

/**
 * One rule for exit codes: 2 when the request itself was wrong (a bad
 * option, a malformed ID, an invalid configuration, a name that does not
 * exist); 1 when a valid request was tried and failed.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof AoError && (error.kind === 'usage' || error.kind === 'config' || error.kind === 'not_found')) return 2;
  return 1;
}

/** An error as a JSON document (`{"error": ...}` with --json). */
export function errorDocument(error: unknown): { kind: AoErrorKind | 'internal'; message: string; hint: string | null; details?: Record<string, unknown> } {
  if (error instanceof AoError) return { kind: error.kind, message: error.message, hint: error.hint ?? null, ...(error.details ? { details: error.details } : {}) };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error), hint: null };
}

export function describeError(error: unknown): string {
  if (error instanceof AoError) return error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
