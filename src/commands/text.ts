import type { SessionList } from '../sessions/list.js';
import type { SessionView } from '../sessions/view.js';

/** Plain-text rendering of results, for people on a terminal. */

/** Display width, counting wide (CJK, emoji) characters as two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x1f300 && cp <= 0x1faff)) ? 2 : 1;
  }
  return w;
}

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "2m ago" style relative time. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export const CI_SYMBOL: Record<string, string> = { passing: '✓', failing: '✗', pending: '⋯', none: '-' };
export const REVIEW_SYMBOL: Record<string, string> = { approved: '✓', changes_requested: '✗', pending: '△', none: '-' };

export function renderSessionList(list: SessionList, now = Date.now()): string {
  const rows = list.sessions.map((s) => [s.id, ago(s.lastActivityAt ?? s.createdAt ?? undefined, now), s.branch, s.status, s.pr ?? '-']);
  return withNotes(renderTable(['ID', 'LAST ACTIVITY', 'BRANCH', 'STATUS', 'PR'], rows), list);
}

export function renderStatus(list: SessionList, now = Date.now()): string {
  const rows = list.sessions.map((s: SessionView) => [
    s.id,
    s.status,
    s.prNumber ? `#${s.prNumber}` : '-',
    s.ci ? CI_SYMBOL[s.ci]! : '-',
    s.review ? REVIEW_SYMBOL[s.review]! : '-',
    s.unresolvedThreads === null ? '-' : String(s.unresolvedThreads),
    s.activity ?? (s.hostReachable ? '-' : 'unreachable'),
    tokensCell(s.tokens),
    ago(s.lastActivityAt ?? s.createdAt ?? undefined, now),
    s.branch,
  ]);
  return withNotes(renderTable(['ID', 'STATUS', 'PR', 'CI', 'REV', 'THR', 'ACTIVITY', 'TOKENS', 'LAST ACTIVITY', 'BRANCH'], rows), list);
}

/** "1.2k" style count. */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [size, unit] = units.find(([u]) => n >= u)!;
  const value = n / size;
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)}${unit}`;
}

/** TOKENS: prompt tokens (cached ones included) / output tokens, and the cost where the agent counts it. */
export function tokensCell(tokens: SessionView['tokens']): string {
  if (!tokens) return '-';
  const prompt = tokens.input + tokens.cacheRead + tokens.cacheWrite;
  const cost = tokens.cost === null ? '' : ` $${tokens.cost < 10 ? tokens.cost.toFixed(2) : Math.round(tokens.cost)}`;
  return `${compactCount(prompt)}/${compactCount(tokens.output)}${cost}`;
}

function withNotes(table: string, list: SessionList): string {
  const notes = [
    ...list.hosts.filter((h) => !h.reachable).map((h) => `host ${h.name} is unreachable (${h.error}); its sessions are not shown and nothing is done to them`),
    ...list.warnings.map((w) => `skipped ${w.host}:${w.file}: ${w.problem}`),
  ];
  const body = list.sessions.length === 0 ? 'no sessions' : table;
  return `${body}${notes.length ? `\n${notes.map((n) => `warning: ${n}`).join('\n')}` : ''}\n`;
}
