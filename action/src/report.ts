import { ago, CI_SYMBOL, REVIEW_SYMBOL } from '../../src/commands/text.js';
import type { SessionList } from '../../src/sessions/list.js';
import type { ActionCommand } from './inputs.js';

/**
 * What a step shows: the job summary (Markdown) and the annotations
 * (`::error::`, `::warning::`). Everything that came from ao is text to
 * show, never Markdown, HTML or a workflow command of its own.
 */

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title: string;
  message: string;
}

/** `::level title=...::message`, escaped as the runner unescapes it (so a message is one command, whatever it holds). */
export function workflowCommand(a: Annotation): string {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::${a.level} title=${property(a.title)}::${data(a.message)}\n`;
}

/** Text as Markdown that shows it literally (no markup, no HTML, one line for a table cell). */
export function mdText(text: string, options: { cell?: boolean } = {}): string {
  let out = text.replace(/[\\`*_[\]|~#]/g, '\\$&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (options.cell) out = out.replace(/\r?\n/g, ' ');
  return out;
}

/** A fenced block that no line of the text can close. */
export function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text.replace(/\n$/, '')}\n${fence}\n`;
}

function prLink(s: SessionList['sessions'][number]): string {
  if (!s.prNumber) return '-';
  const label = `#${s.prNumber}`;
  return s.pr && /^https?:\/\/[^\s()<>]+$/.test(s.pr) ? `[${label}](${s.pr})` : label;
}

/** The status table: the CLI's `ao status` columns, and the host. */
export function sessionTable(list: SessionList, now = Date.now()): string {
  if (list.sessions.length === 0) return '_No sessions._\n';
  const header = ['ID', 'STATUS', 'PR', 'CI', 'REV', 'THR', 'ACTIVITY', 'LAST ACTIVITY', 'BRANCH', 'HOST'];
  const rows = list.sessions.map((s) => [
    mdText(s.id, { cell: true }),
    // A status is one of a fixed set of words (pr_open...): shown as it is.
    `**${/^[a-z_]+$/.test(s.status) ? s.status : mdText(s.status, { cell: true })}**`,
    prLink(s),
    s.ci ? CI_SYMBOL[s.ci]! : '-',
    s.review ? REVIEW_SYMBOL[s.review]! : '-',
    s.unresolvedThreads === null ? '-' : String(s.unresolvedThreads),
    mdText(s.activity ?? (s.hostReachable ? '-' : 'unreachable'), { cell: true }),
    ago(s.lastActivityAt ?? s.createdAt ?? undefined, now),
    s.branch ? `\`${s.branch.replace(/`/g, '')}\`` : '-',
    mdText(s.host, { cell: true }),
  ]);
  const questions = list.sessions
    .filter((s) => s.status === 'needs_input' && s.question)
    .map((s) => `**${mdText(s.id)}** waits for a human:\n\n${fenced(s.question!)}`);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n' + (questions.length ? `\n${questions.join('\n')}` : '');
}

interface HostLike {
  name: string;
  reachable: boolean;
  error: string | null;
}

/** Hosts a result says it could not reach: each a warning (their sessions were left alone). */
function unreachableHosts(doc: Record<string, unknown>): string[] {
  const hosts = Array.isArray(doc.hosts) ? (doc.hosts as HostLike[]) : [];
  const fromList = hosts.filter((h) => h && h.reachable === false && typeof h.name === 'string').map((h) => `host ${h.name} is unreachable (${h.error ?? 'no answer'}); its sessions were left alone`);
  const fromCleanup = Array.isArray(doc.unreachableHosts) ? (doc.unreachableHosts as string[]).map((h) => `host ${h} is unreachable; its sessions were left alone`) : [];
  return [...fromList, ...fromCleanup];
}

export interface StepResult {
  spec: ActionCommand;
  code: number;
  /** The JSON document ao printed, when it printed one. */
  doc: Record<string, unknown> | undefined;
  /** The last lines ao wrote to stderr, for a failure without a document. */
  stderrTail: string;
  /** Shown in place of the temp copy's path in messages (known-hosts applied). */
  configNote?: { path: string; source: string };
}

export interface Report {
  summary: string;
  annotations: Annotation[];
  /** The result as the CLI prints it, for the log. */
  text: string;
}

/** What to tell the person who reads the run: a summary of what was done, and what to fix when it failed. */
export function report(r: StepResult, now = Date.now()): Report {
  const name = r.spec.name;
  const title = `ao ${name}`;
  const annotations: Annotation[] = [];
  const unmask = (s: string) => (r.configNote ? s.split(r.configNote.path).join(`${r.configNote.source} (with known-hosts)`) : s);
  const error = r.doc && typeof r.doc.error === 'object' && r.doc.error ? (r.doc.error as { kind?: string; message?: string; hint?: string | null }) : undefined;
  if (error || !r.doc) {
    const message = unmask(error?.message ?? `ao ended with exit code ${r.code} and no result${r.stderrTail ? `:\n${r.stderrTail}` : ''}`);
    const hint = error?.hint ? unmask(error.hint) : undefined;
    annotations.push({ level: 'error', title: `${title} failed`, message: hint ? `${message}\nFix: ${hint}` : message });
    const summary = `### ${mdText(title)}: failed\n\n${fenced(message)}${hint ? `\n**Fix:** ${mdText(hint)}\n` : ''}`;
    // ao printed the error itself (stderr); the annotation carries it.
    return { summary, annotations, text: '' };
  }
  const text = (r.spec.render as (doc: unknown) => string)(r.doc);
  for (const warning of unreachableHosts(r.doc)) annotations.push({ level: 'warning', title, message: warning });
  if (r.code !== 0) annotations.push({ level: 'error', title: `${title} failed`, message: text.trimEnd() });
  const heading = `### ${mdText(title)}${r.code === 0 ? '' : ': failed'}\n\n`;
  const body = name === 'status' || name === 'ls' ? sessionTable(r.doc as unknown as SessionList, now) : fenced(text);
  const notes = unreachableHosts(r.doc).map((w) => `> [!WARNING]\n> ${mdText(w, { cell: true })}\n`);
  return { summary: `${heading}${body}${notes.length ? `\n${notes.join('\n')}` : ''}`, annotations, text };
}
