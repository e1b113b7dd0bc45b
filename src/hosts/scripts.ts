import { readFileSync } from 'node:fs';

/**
 * The POSIX sh scripts ao runs on hosts live as files in ./scripts (checked
 * by shellcheck, `sh -n` and `dash -n` in the tests). A script is read once,
 * its `. "$AO_LIB/x.sh"` lines replaced by that library file (the host has no
 * copy of our files: each script travels whole, as `sh -c`), and its
 * comment lines dropped to keep round trips small. Variable data always
 * travels as positional arguments or stdin, never inside the script text.
 */

const SCRIPTS_DIR = new URL('./scripts/', import.meta.url);
const INCLUDE = /^(\s*)\. "\$AO_LIB\/([a-z0-9-]+\.sh)"\s*$/;
const COMMENT = /^\s*#/;

const cache = new Map<string, string>();

function readScript(relative: string): string {
  return readFileSync(new URL(relative, SCRIPTS_DIR), 'utf8');
}

function expand(text: string, seen: readonly string[]): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const include = INCLUDE.exec(line);
    if (include) {
      const name = include[2]!;
      if (seen.includes(name)) throw new Error(`host script include cycle: ${[...seen, name].join(' -> ')}`);
      out.push(expand(readScript(`lib/${name}`), [...seen, name]));
    } else if (!COMMENT.test(line) && line.trim() !== '') out.push(line);
  }
  return out.join('\n');
}

/** The text of a host script (src/hosts/scripts/<name>.sh), includes inlined. */
export function hostScript(name: string): string {
  let script = cache.get(name);
  if (script === undefined) {
    script = `${expand(readScript(`${name}.sh`), [])}\n`;
    cache.set(name, script);
  }
  return script;
}

function readExitCodes(): Readonly<Record<string, number>> {
  const codes: Record<string, number> = {};
  for (const line of readScript('lib/exit-codes.sh').split('\n')) {
    const m = /^EX_([A-Z_]+)=([0-9]+)$/.exec(line.trim());
    if (m) codes[m[1]!] = Number(m[2]);
  }
  return Object.freeze(codes);
}

const EXIT_NAMES = [
  'FAILED',
  'TMUX_FAILED',
  'CLONE_FAILED',
  'FETCH_FAILED',
  'NO_BASE',
  'BRANCH_EXISTS',
  'PATH_EXISTS',
  'WORKTREE_ADD',
  'NO_BRANCH',
  'NO_PROGRAM',
  'NO_WORKTREE',
  'UNREADABLE',
  'PUSH_FAILED',
  'TOO_BIG',
  'BACKUP_MISSING',
  'INCOMPLETE',
  'NO_RECORD',
  'EXISTS',
  'BUSY',
  'LOCK_LOST',
] as const;

/** The exit codes host scripts use, as defined (once) in scripts/lib/exit-codes.sh. */
export const EXIT: Readonly<Record<(typeof EXIT_NAMES)[number], number>> = (() => {
  const codes = readExitCodes();
  const missing = EXIT_NAMES.filter((n) => codes[n] === undefined);
  if (missing.length > 0) throw new Error(`exit codes missing from src/hosts/scripts/lib/exit-codes.sh: ${missing.join(', ')}`);
  return Object.freeze(Object.fromEntries(EXIT_NAMES.map((n) => [n, codes[n]!]))) as Record<(typeof EXIT_NAMES)[number], number>;
})();

/** Where the script files are, for the checks in the tests. */
export const SCRIPTS_URL = SCRIPTS_DIR;
