import { describe, expect, it } from 'vitest';
import { intentsFor, type Intent } from '../../src/core/triggers.js';

const facts = { botLogin: 'agent-orchestrator[bot]', triggerLabel: () => 'agent' };
const repository = { full_name: 'acme/web' };
const base = { repository, sender: { login: 'wendy' } };
const kinds = (intents: Intent[]) => intents.map((i) => (i.kind === 'ignore' ? `ignore: ${i.why}` : i.kind));

describe('intentsFor', () => {
  it.each([
    ['trigger label -> spawn', 'issues', { ...base, action: 'labeled', label: { name: 'agent' }, issue: { number: 7 } }, [{ kind: 'spawn', repo: 'acme/web', issue: 7, actor: 'wendy' }]],
    ['trigger label, other case -> spawn', 'issues', { ...base, action: 'labeled', label: { name: 'Agent' }, issue: { number: 7 } }, [{ kind: 'spawn', issue: 7 }]],
    ['assigned to the bot -> spawn', 'issues', { ...base, action: 'assigned', assignee: { login: 'agent-orchestrator[bot]' }, issue: { number: 8 } }, [{ kind: 'spawn', issue: 8 }]],
    ['issue closed -> reconcile its sessions', 'issues', { ...base, action: 'closed', issue: { number: 9 } }, [{ kind: 'reconcile', match: { issue: 9 } }]],
    ['PR event -> reconcile by head branch and number', 'pull_request', { ...base, action: 'synchronize', pull_request: { number: 3, head: { ref: 'ao/web-1', repo: { full_name: 'acme/web' } } } }, [{ kind: 'reconcile', match: { branches: ['ao/web-1'], prNumbers: [3] } }]],
    ['review -> reconcile', 'pull_request_review', { ...base, action: 'submitted', pull_request: { number: 3, head: { ref: 'ao/web-1' } } }, [{ kind: 'reconcile', match: { branches: ['ao/web-1'], prNumbers: [3] } }]],
    ['review thread -> reconcile', 'pull_request_review_thread', { ...base, action: 'resolved', pull_request: { number: 3, head: { ref: 'ao/web-1' } } }, [{ kind: 'reconcile' }]],
    [
      'check run -> reconcile its PRs and branch',
      'check_run',
      { ...base, action: 'completed', check_run: { id: 1, check_suite: { head_branch: 'ao/web-1' }, pull_requests: [{ number: 3, head: { ref: 'ao/web-1' } }] } },
      [{ kind: 'reconcile', match: { branches: ['ao/web-1'], prNumbers: [3] } }],
    ],
    ['check suite -> reconcile', 'check_suite', { ...base, action: 'completed', check_suite: { head_branch: 'ao/web-2', pull_requests: [] } }, [{ kind: 'reconcile', match: { branches: ['ao/web-2'], prNumbers: [] } }]],
    ['commit status -> reconcile its branches', 'status', { ...base, state: 'failure', branches: [{ name: 'ao/web-1' }, { name: 'ao/web-9' }] }, [{ kind: 'reconcile', match: { branches: ['ao/web-1', 'ao/web-9'] } }]],
    ['a button on a check run -> check_action', 'check_run', { ...base, action: 'requested_action', requested_action: { identifier: 'stop' }, check_run: { id: 5, external_id: 'web-1', head_sha: 'abc' } }, [{ kind: 'check_action', checkRunId: 5, externalId: 'web-1', action: 'stop', actor: 'wendy' }]],
    ['a comment with a command -> command', 'issue_comment', { ...base, action: 'created', issue: { number: 4 }, comment: { id: 11, body: '/ao status', user: { login: 'wendy', type: 'User' } } }, [{ kind: 'command', issue: 4, isPullRequest: false, commentId: 11, actor: 'wendy', actorIsBot: false }]],
    ['a command on a PR', 'issue_comment', { ...base, action: 'created', issue: { number: 4, pull_request: { url: 'x' } }, comment: { id: 12, body: '/ao kill', user: { login: 'wendy' } } }, [{ kind: 'command', isPullRequest: true }]],
    ['a bot\'s command is marked as a bot\'s', 'issue_comment', { ...base, action: 'created', issue: { number: 4 }, comment: { id: 13, body: '/ao kill', user: { login: 'renovate[bot]', type: 'Bot' } } }, [{ kind: 'command', actorIsBot: true }]],
  ] as const)('%s', (_, name, payload, expected) => {
    expect(intentsFor(name, payload, facts)).toMatchObject(expected);
  });

  it.each([
    ['another label', 'issues', { ...base, action: 'labeled', label: { name: 'bug' }, issue: { number: 7 } }, /not the trigger label/],
    ['assigned to a person', 'issues', { ...base, action: 'assigned', assignee: { login: 'wendy' }, issue: { number: 7 } }, /someone else/],
    ['a label on a PR', 'issues', { ...base, action: 'labeled', label: { name: 'agent' }, issue: { number: 7, pull_request: {} } }, /a pull request/],
    ['an edited comment', 'issue_comment', { ...base, action: 'edited', issue: { number: 4 }, comment: { id: 11, body: '/ao kill', user: { login: 'wendy' } } }, /only new comments/],
    ['a comment without a command', 'issue_comment', { ...base, action: 'created', issue: { number: 4 }, comment: { id: 11, body: 'LGTM', user: { login: 'wendy' } } }, /no \/ao command/],
    ['the app\'s own comment', 'issue_comment', { ...base, action: 'created', issue: { number: 4 }, comment: { id: 11, body: '/ao help', user: { login: 'agent-orchestrator[bot]', type: 'Bot' } } }, /written by this app/],
    ['a PR from a fork', 'pull_request', { ...base, action: 'opened', pull_request: { number: 3, head: { ref: 'ao/web-1', repo: { full_name: 'mallory/web' } } } }, /fork/],
    ['the app\'s own check run', 'check_run', { ...base, action: 'completed', check_run: { id: 1, app: { slug: 'agent-orchestrator' }, check_suite: { head_branch: 'ao/web-1' }, pull_requests: [] } }, /the app's own check run/],
    ['the app\'s own check suite', 'check_suite', { ...base, action: 'completed', check_suite: { app: { slug: 'agent-orchestrator' }, head_branch: 'ao/web-1', pull_requests: [] } }, /the app's own check run/],
    ['a status on no branch', 'status', { ...base, state: 'success', branches: [] }, /no branch/],
    ['an event the app does not handle', 'star', { ...base, action: 'created' }, /not an event the app handles/],
    ['a payload without a repository', 'issues', { action: 'labeled' }, /no repository/],
    ['a payload that is not an object', 'issues', 'garbage', /no repository/],
    ['an issue without a number', 'issues', { ...base, action: 'labeled', label: { name: 'agent' }, issue: { number: 'seven' } }, /no issue number/],
    ['a comment with a body that is not text', 'issue_comment', { ...base, action: 'created', issue: { number: 4 }, comment: { id: 11, body: 42, user: { login: 'w' } } }, /lacks/],
  ] as const)('ignores %s, saying why', (_, name, payload, why) => {
    const intents = intentsFor(name, payload, facts);
    expect(intents).toHaveLength(1);
    expect(kinds(intents)[0]).toMatch(why);
  });

  it('uses the repo\'s own trigger label', () => {
    const payload = { ...base, action: 'labeled', label: { name: 'ai' }, issue: { number: 1 } };
    expect(kinds(intentsFor('issues', payload, facts))).toEqual([expect.stringMatching(/^ignore/)]);
    expect(kinds(intentsFor('issues', payload, { ...facts, triggerLabel: () => 'ai' }))).toEqual(['spawn']);
  });
});
