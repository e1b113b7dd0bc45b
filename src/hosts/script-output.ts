/**
 * The one reader of what host scripts print. Scripts speak in two forms:
 * `key=value` finding lines, and entries that start with the ASCII record
 * separator (\036) followed by a header line and a body; sections of a
 * composite script are split by group (\035) and file (\034) separators.
 */

export const RECORD_SEPARATOR = '\u001e';
export const GROUP_SEPARATOR = '\u001d';
export const FILE_SEPARATOR = '\u001c';

/** The `key=value` lines a host script prints as its findings (other lines are ignored). */
export function scriptFacts(stdout: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (!/^[A-Za-z][A-Za-z0-9_]*=/.test(line)) continue;
    const eq = line.indexOf('=');
    facts[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return facts;
}

export interface ScriptEntry {
  /** The line right after the separator. */
  header: string;
  /** Everything after the header line, up to the next separator. */
  body: string;
}

/** Entries of the form `\036header\nbody`; text before the first separator is ignored. */
export function scriptEntries(out: string): ScriptEntry[] {
  const entries: ScriptEntry[] = [];
  const chunks = out.split(RECORD_SEPARATOR);
  for (const chunk of chunks.slice(1)) {
    const newline = chunk.indexOf('\n');
    entries.push(newline < 0 ? { header: chunk, body: '' } : { header: chunk.slice(0, newline), body: chunk.slice(newline + 1) });
  }
  return entries;
}

/** Split a composite script's output at `separator` lines (the separator followed by a newline). */
export function scriptSections(out: string, separator: string, count: number): string[] {
  const parts = out.split(`${separator}\n`);
  while (parts.length < count) parts.push('');
  return parts;
}
