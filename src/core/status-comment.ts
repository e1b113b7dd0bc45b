/**
 * The one status comment the app keeps on an issue and on a PR (SPEC
 * section 4), pure. It is found again by its hidden marker and edited in
 * place; what it shows changes only when a session really changed (no
 * relative times, which would make every cycle an edit).
 */

export const STATUS_MARKER = '<!-- agent-orchestrator:status -->';

export interface StatusCommentSession {
  id: string;
  host: string;
  hostReachable: boolean;
  status: string;
  statusReason: string | null;
  activity: string | null;
  prNumber: number | null;
  pr: string | null;
  ci: string | null;
  review: string | null;
  unresolvedThreads: number | null;
  agent: string;
  branch: string;
  createdAt: string | null;
  killedAt: string | null;
  question: string | null;
}

export interface StatusCommentNote {
  session: string;
  reaction: string;
  text: string;
  at?: string;
}

export interface StatusCommentInput {
  sessions: readonly StatusCommentSession[];
  notes: readonly StatusCommentNote[];
  /** Set while /ao pause-all is in force for the repo. */
  paused?: string;
  /** Set when a spawn waits for a free slot (issue budgets). */
  queued?: string;
  /** Something to tell the people on the issue (a bad repo config, a refused spawn). */
  problem?: string;
}

const CI: Record<string, string> = { passing: '✅ passing', failing: '❌ failing', pending: '⏳ pending', none: '–' };
const REVIEW: Record<string, string> = { approved: '✅ approved', changes_requested: '❌ changes requested', pending: '⏳ pending', none: '–' };
const STATUS: Record<string, string> = {
  spawning: '🚀 spawning',
  working: '🛠️ working',
  pr_open: '📬 PR open',
  ci_failed: '❌ CI failed',
  review_pending: '👀 review pending',
  changes_requested: '✏️ changes requested',
  approved: '✅ approved',
  mergeable: '🟢 mergeable',
  merged: '🎉 merged',
  needs_input: '✋ needs input',
  stuck: '🧊 stuck',
  errored: '💥 errored',
  killed: '⏹️ ended',
};

/** Table cells must not break the table or open HTML. */
function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}

function minute(iso: string | null): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '–' : `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A fenced block that no line of `body` can close. */
function fenced(body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${body}\n${fence}`;
}

export function renderStatusComment(input: StatusCommentInput): string {
  const out: string[] = [STATUS_MARKER, '### 🤖 Agent Orchestrator', ''];
  if (input.paused) out.push(`> [!WARNING]\n> Paused: ${cell(input.paused)}. No new sessions start and no reactions run until \`/ao resume-all\`.`, '');
  if (input.problem) out.push(`> [!CAUTION]\n> ${input.problem.split('\n').join('\n> ')}`, '');
  if (input.queued) out.push(`⏳ ${cell(input.queued)}`, '');
  if (input.sessions.length === 0) {
    if (!input.queued && !input.problem) out.push('No session yet.');
  } else {
    out.push('| session | status | activity | PR | CI | review | threads | host | started |', '|---|---|---|---|---|---|---|---|---|');
    for (const s of input.sessions) {
      const status = `${STATUS[s.status] ?? s.status}${s.statusReason && s.status !== 'working' ? ` (${s.statusReason})` : ''}`;
      const pr = s.prNumber ? (s.pr ? `[#${s.prNumber}](${s.pr})` : `#${s.prNumber}`) : '–';
      const host = s.hostReachable ? s.host : `${s.host} (unreachable)`;
      out.push(
        `| \`${cell(s.id)}\` | ${cell(status)} | ${cell(s.activity ?? '–')} | ${pr} | ${CI[s.ci ?? 'none'] ?? '–'} | ${REVIEW[s.review ?? 'none'] ?? '–'} | ${s.unresolvedThreads ?? '–'} | ${cell(host)} | ${minute(s.createdAt)} |`,
      );
    }
    for (const s of input.sessions.filter((x) => x.status === 'needs_input' && x.question)) {
      out.push('', `**\`${s.id}\` is waiting for an answer:**`, '', fenced(s.question!), '', 'Answer it with `/ao answer <your answer>` (write access needed).');
    }
    const live = input.sessions.filter((s) => s.status !== 'killed');
    if (live.length > 0) {
      out.push('', '<details><summary>Attach to a session</summary>', '', ...live.map((s) => `- \`ao open ${s.id}\` (agent ${cell(s.agent)}, branch \`${cell(s.branch)}\`)`), '', '</details>');
    }
  }
  if (input.notes.length > 0) {
    out.push('', '**Needs a human:**', '');
    for (const n of input.notes) {
      const [first, ...rest] = n.text.split('\n');
      out.push(`- \`${cell(n.session)}\` ${cell(n.reaction)}: ${cell(first ?? '')}`);
      if (rest.length > 0) out.push('', fenced(rest.join('\n')).split('\n').map((l) => `  ${l}`).join('\n'));
    }
  }
  out.push('', '<sub>Commands: `/ao help`. This comment is kept up to date by the app.</sub>');
  return out.join('\n');
}
