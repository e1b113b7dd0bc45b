/**
 * What a webhook asks of the orchestrator (SPEC section 4), pure: the event
 * name and payload in, intents out. The app acts on intents; nothing here
 * trusts the payload beyond reading it (permissions are checked with
 * GitHub's API where they matter). A payload without the fields an event
 * needs gives an `ignore` intent with the reason, never an exception.
 */

export interface SessionMatch {
  /** Session IDs (a check run's external ID). */
  sessions?: string[];
  /** A session's branch (the PR's head ref). */
  branches?: string[];
  prNumbers?: number[];
  issue?: number;
}

export type Intent =
  | { kind: 'spawn'; repo: string; issue: number; actor: string; why: string }
  | { kind: 'reconcile'; repo: string; match: SessionMatch; why: string }
  | { kind: 'command'; repo: string; issue: number; isPullRequest: boolean; commentId: number; body: string; actor: string; actorIsBot: boolean; why: string }
  | { kind: 'check_action'; repo: string; checkRunId: number; externalId: string; action: string; actor: string; headSha: string; why: string }
  | { kind: 'ignore'; why: string };

export interface TriggerFacts {
  /** The app's bot account, e.g. `agent-orchestrator[bot]`. */
  botLogin: string;
  /** The label that starts a session in this repo. */
  triggerLabel: (repo: string) => string;
  /** The slash prefix (default `/ao`). */
  prefix?: string;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function at(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) current = obj(current)?.[key];
  return current;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined);

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function intentsFor(name: string, payload: unknown, facts: TriggerFacts): Intent[] {
  const action = text(at(payload, 'action'));
  const event = action ? `${name}.${action}` : name;
  const repo = text(at(payload, 'repository', 'full_name'));
  if (!repo) return [{ kind: 'ignore', why: `${event}: no repository in the payload` }];
  const sender = text(at(payload, 'sender', 'login')) ?? '';

  switch (name) {
    case 'issues': {
      const issue = num(at(payload, 'issue', 'number'));
      if (!issue) return [{ kind: 'ignore', why: `${event}: no issue number` }];
      if (at(payload, 'issue', 'pull_request') !== undefined) return [{ kind: 'ignore', why: `${event}: a pull request, not an issue` }];
      if (action === 'labeled') {
        const label = text(at(payload, 'label', 'name'));
        const wanted = facts.triggerLabel(repo);
        if (label && label.toLowerCase() === wanted.toLowerCase()) return [{ kind: 'spawn', repo, issue, actor: sender, why: `label "${label}" added by ${sender}` }];
        return [{ kind: 'ignore', why: `${event}: label "${label ?? ''}" is not the trigger label "${wanted}"` }];
      }
      if (action === 'assigned') {
        const assignee = text(at(payload, 'assignee', 'login'));
        if (assignee && assignee.toLowerCase() === facts.botLogin.toLowerCase()) return [{ kind: 'spawn', repo, issue, actor: sender, why: `assigned to ${assignee} by ${sender}` }];
        return [{ kind: 'ignore', why: `${event}: assigned to someone else` }];
      }
      if (action === 'closed' || action === 'reopened') return [{ kind: 'reconcile', repo, match: { issue }, why: `issue #${issue} ${action}` }];
      return [{ kind: 'ignore', why: `${event}: nothing to do` }];
    }
    case 'issue_comment': {
      if (action !== 'created') return [{ kind: 'ignore', why: `${event}: only new comments run commands (an edit never runs one again)` }];
      const issue = num(at(payload, 'issue', 'number'));
      const commentId = num(at(payload, 'comment', 'id'));
      const body = text(at(payload, 'comment', 'body'));
      const author = text(at(payload, 'comment', 'user', 'login'));
      if (!issue || !commentId || body === undefined || !author) return [{ kind: 'ignore', why: `${event}: the comment lacks its number, id, body or author` }];
      const prefix = facts.prefix ?? '/ao';
      if (!body.includes(prefix)) return [{ kind: 'ignore', why: `${event}: no ${prefix} command` }];
      if (author.toLowerCase() === facts.botLogin.toLowerCase()) return [{ kind: 'ignore', why: `${event}: written by this app` }];
      const actorIsBot = text(at(payload, 'comment', 'user', 'type')) === 'Bot' || author.endsWith('[bot]');
      return [{ kind: 'command', repo, issue, isPullRequest: at(payload, 'issue', 'pull_request') !== undefined, commentId, body, actor: author, actorIsBot, why: `comment ${commentId} by ${author}` }];
    }
    case 'pull_request':
    case 'pull_request_review':
    case 'pull_request_review_comment':
    case 'pull_request_review_thread': {
      const number = num(at(payload, 'pull_request', 'number'));
      const branch = text(at(payload, 'pull_request', 'head', 'ref'));
      if (!number || !branch) return [{ kind: 'ignore', why: `${event}: no pull request number or head branch` }];
      // A PR from a fork never belongs to a session, whatever its branch is called.
      const headRepo = text(at(payload, 'pull_request', 'head', 'repo', 'full_name'));
      if (headRepo && headRepo.toLowerCase() !== repo.toLowerCase()) return [{ kind: 'ignore', why: `${event}: PR #${number} comes from the fork ${headRepo}` }];
      return [{ kind: 'reconcile', repo, match: { branches: [branch], prNumbers: [number] }, why: `${event} on PR #${number}` }];
    }
    case 'check_run':
    case 'check_suite': {
      const key = name;
      if (name === 'check_run' && action === 'requested_action') {
        const checkRunId = num(at(payload, 'check_run', 'id'));
        const identifier = text(at(payload, 'requested_action', 'identifier'));
        const externalId = text(at(payload, 'check_run', 'external_id')) ?? '';
        const headSha = text(at(payload, 'check_run', 'head_sha')) ?? '';
        if (!checkRunId || !identifier) return [{ kind: 'ignore', why: `${event}: no check run or action` }];
        return [{ kind: 'check_action', repo, checkRunId, externalId, action: identifier, actor: sender, headSha, why: `${identifier} pressed by ${sender} on check run ${checkRunId}` }];
      }
      // The app's own check runs (one per session) say what it already knows: a reconcile for them would only loop.
      const owner = text(name === 'check_run' ? at(payload, 'check_run', 'app', 'slug') : at(payload, 'check_suite', 'app', 'slug'));
      if (owner && `${owner}[bot]`.toLowerCase() === facts.botLogin.toLowerCase()) return [{ kind: 'ignore', why: `${event}: the app's own check run` }];
      const suite = name === 'check_run' ? at(payload, 'check_run', 'check_suite') : at(payload, 'check_suite');
      const pulls = list(name === 'check_run' ? at(payload, 'check_run', 'pull_requests') : at(payload, 'check_suite', 'pull_requests'));
      const branches = new Set<string>();
      const prNumbers = new Set<number>();
      const headBranch = text(at(suite, 'head_branch'));
      if (headBranch) branches.add(headBranch);
      for (const pr of pulls) {
        const n = num(at(pr, 'number'));
        const ref = text(at(pr, 'head', 'ref'));
        if (n) prNumbers.add(n);
        if (ref) branches.add(ref);
      }
      if (branches.size === 0 && prNumbers.size === 0) return [{ kind: 'ignore', why: `${event}: no branch or pull request to match a session` }];
      return [{ kind: 'reconcile', repo, match: { branches: [...branches], prNumbers: [...prNumbers] }, why: `${key}.${action ?? ''} on ${[...branches].join(', ') || [...prNumbers].map((n) => `#${n}`).join(', ')}` }];
    }
    case 'status': {
      const branches = list(at(payload, 'branches'))
        .map((b) => text(at(b, 'name')))
        .filter((b): b is string => Boolean(b));
      if (branches.length === 0) return [{ kind: 'ignore', why: 'status: the commit is on no branch' }];
      return [{ kind: 'reconcile', repo, match: { branches }, why: `status ${text(at(payload, 'state')) ?? ''} on ${branches.join(', ')}` }];
    }
    default:
      return [{ kind: 'ignore', why: `${event}: not an event the app handles` }];
  }
}
