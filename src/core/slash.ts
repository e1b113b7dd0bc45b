/**
 * The `/ao` comment grammar (SPEC section 4), pure: which lines of a
 * comment are commands, their words, and the free text a command takes.
 *
 * - A command is a line that starts (after at most three spaces, as
 *   Markdown allows) with the prefix and a space or the line's end.
 * - Lines in fenced code blocks, indented code blocks and quotes are never
 *   commands: people quote and show commands without meaning to run them.
 * - Words are split on blanks, with "double" and 'single' quotes and
 *   backslash escapes; nothing is expanded (no variables, no globs).
 * - A command that takes text (`takesText`) gets the rest of its line from
 *   its first word that is not an option, verbatim, plus every following
 *   line up to the next command line; inside that text, code blocks and
 *   quotes are kept as they are.
 */

export interface SlashWord {
  /** The word with its quotes and escapes resolved. */
  value: string;
  /** Where the word starts in the line after the verb (for taking the rest verbatim). */
  start: number;
  /** True when any part of it was quoted (so `"--force"` is a word, not a flag). */
  quoted: boolean;
}

export interface SlashInvocation {
  verb: string;
  words: SlashWord[];
  /** The line after the verb, verbatim. */
  line: string;
  /** Following lines up to the next command (only for commands that take text), verbatim. */
  body: string;
  /** 1-based line number in the comment. */
  lineNumber: number;
}

export interface SlashParseError {
  lineNumber: number;
  message: string;
}

export interface SlashParse {
  invocations: SlashInvocation[];
  errors: SlashParseError[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Split words; undefined when a quote is left open. */
export function splitWords(text: string): SlashWord[] | undefined {
  const words: SlashWord[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let value = '';
    let quoted = false;
    while (i < text.length && !/\s/.test(text[i]!)) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        quoted = true;
        const end = findClosingQuote(text, i + 1, c);
        if (end < 0) return undefined;
        const inner = text.slice(i + 1, end);
        value += c === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
        i = end + 1;
      } else if (c === '\\' && i + 1 < text.length) {
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    words.push({ value, start, quoted });
  }
  return words;
}

function findClosingQuote(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

export function parseSlashComment(body: string, options: { prefix?: string; takesText?: (verb: string) => boolean } = {}): SlashParse {
  const prefix = options.prefix ?? '/ao';
  const takesText = options.takesText ?? (() => false);
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const invocations: SlashInvocation[] = [];
  const errors: SlashParseError[] = [];
  const commandAt = new RegExp(`^ {0,3}${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:[ \\t]+(.*))?$`);
  let fence: string | undefined;
  let collecting: { invocation: SlashInvocation; lines: string[]; fence?: string } | undefined;
  let previousBlank = true;

  const finish = () => {
    if (!collecting) return;
    const text = collecting.lines.join('\n').replace(/\n+$/, '');
    collecting.invocation.body = text;
    collecting = undefined;
  };

  for (const [index, raw] of lines.entries()) {
    const lineNumber = index + 1;
    // Inside a command's text: code blocks are part of it, and only a command line outside them ends it.
    if (collecting) {
      const opened = FENCE.exec(raw);
      if (collecting.fence) {
        if (opened && raw.trim().startsWith(collecting.fence)) collecting.fence = undefined;
        collecting.lines.push(raw);
        continue;
      }
      if (opened) {
        collecting.fence = opened[1]![0]!.repeat(3);
        collecting.lines.push(raw);
        continue;
      }
      if (!commandAt.test(raw)) {
        collecting.lines.push(raw);
        continue;
      }
      finish();
    }
    const opened = FENCE.exec(raw);
    if (fence) {
      if (opened && raw.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    if (opened) {
      fence = opened[1]![0]!.repeat(3);
      continue;
    }
    const isQuote = /^ {0,3}>/.test(raw);
    const isIndentedCode: boolean = /^( {4,}|\t)/.test(raw) && previousBlank;
    previousBlank = raw.trim() === '' || (isIndentedCode && previousBlank);
    if (isQuote || isIndentedCode) continue;
    const match = commandAt.exec(raw);
    if (!match) continue;
    const after = match[1] ?? '';
    const verbMatch = /^(\S+)(.*)$/s.exec(after.trimStart());
    if (!verbMatch) {
      errors.push({ lineNumber, message: `"${prefix}" needs a command; "${prefix} help" lists them` });
      continue;
    }
    const verb = verbMatch[1]!.toLowerCase();
    const line = verbMatch[2]!.replace(/^[ \t]/, '');
    const invocation: SlashInvocation = { verb, words: [], line, body: '', lineNumber };
    if (takesText(verb)) {
      // Only the options before the text need to parse; the text itself is taken verbatim.
      invocation.words = splitWords(line) ?? splitWordsLenient(line);
      invocations.push(invocation);
      collecting = { invocation, lines: [] };
      continue;
    }
    const words = splitWords(line);
    if (!words) {
      errors.push({ lineNumber, message: `a quote is not closed in "${prefix} ${verb}${line ? ` ${line}` : ''}"` });
      continue;
    }
    invocation.words = words;
    invocations.push(invocation);
  }
  finish();
  return { invocations, errors };
}

/** For text-taking commands: words up to the first unbalanced quote (the text is verbatim anyway). */
function splitWordsLenient(text: string): SlashWord[] {
  const out: SlashWord[] = [];
  let offset = 0;
  for (const piece of text.split(/(\s+)/)) {
    if (piece && !/^\s+$/.test(piece)) out.push({ value: piece, start: offset, quoted: false });
    offset += piece.length;
  }
  return out;
}

/** Edit distance, for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = distance(word, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
