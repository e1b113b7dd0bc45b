import { quote } from 'shell-quote';

/**
 * The one place where argv becomes a shell line. Every command that reaches a
 * remote shell (ssh runs its command through the user's login shell) goes
 * through here, so untrusted text is never concatenated into a command.
 */
export function shellLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellLine: empty argv');
  for (const arg of argv) {
    if (arg.includes('\0')) throw new Error('shellLine: arguments cannot contain NUL bytes');
  }
  return quote(argv as string[]);
}

/** Quote a single value for a POSIX shell. */
export function shellQuote(value: string): string {
  return shellLine([value]);
}

/**
 * Argv that runs a POSIX sh script with positional arguments. The script is
 * our own constant text; all variable data travels as "$1", "$2", ...
 */
export function scriptArgv(script: string, args: readonly string[] = []): string[] {
  return ['sh', '-c', script, 'ao-sh', ...args];
}
