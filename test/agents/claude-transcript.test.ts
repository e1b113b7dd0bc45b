import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeProjectDirName, readClaudeTranscriptLine } from '../../src/agents/claude-code.js';
import { parseConfig } from '../../src/core/config.js';
import { tmuxSessionName } from '../../src/core/names.js';
import { HostPool } from '../../src/hosts/pool.js';
import { listSessions } from '../../src/sessions/list.js';
import { parseSnapshot } from '../../src/hosts/snapshot.js';
import { Orchestrator } from '../../src/sessions/orchestrator.js';
import { makeTempDir } from '../support/tmp.js';

describe('Claude Code transcripts (pure)', () => {
  it('names the project directory as Claude Code does', () => {
    expect(claudeProjectDirName('/root/.agent-orchestrator/prod/web_app/worktrees/web-1')).toBe('-root--agent-orchestrator-prod-web-app-worktrees-web-1');
  });

  it.each([
    ['a user prompt or tool result', { type: 'user', timestamp: '2026-11-24T10:00:00.000Z' }, 'busy'],
    ['an assistant turn that called a tool', { type: 'assistant', timestamp: '2026-11-24T10:00:00.000Z', message: { stop_reason: 'tool_use' } }, 'busy'],
    ['an assistant turn still streaming', { type: 'assistant', timestamp: '2026-11-24T10:00:00.000Z', message: { stop_reason: null } }, 'busy'],
    ['an assistant turn that ended', { type: 'assistant', timestamp: '2026-11-24T10:00:00.000Z', message: { stop_reason: 'end_turn' } }, 'ready'],
    ['a summary line', { type: 'summary', timestamp: '2026-11-24T10:00:00.000Z' }, undefined],
  ])('reads %s', (_name, entry, state) => {
    expect(readClaudeTranscriptLine(JSON.stringify(entry))).toEqual({ at: Date.parse('2026-11-24T10:00:00.000Z'), ...(state ? { state } : {}) });
  });

  it('ignores a torn line', () => {
    expect(readClaudeTranscriptLine('{"type":"assis')).toBeUndefined();
  });

  it('splits the snapshot section', () => {
    const out = '\u001d\n\u001d\nserver=none\n\u001c\n\u001e-a-b\n{"x":1}\n\n\u001e-c\n{"y":2}\n';
    const snapshot = parseSnapshot('local', out, { historyLines: 10, namePrefix: 'x-', logProbes: [{ name: 'claude-code', script: 'claude-code-transcripts' }] });
    expect(snapshot.logs.get('claude-code')).toEqual(new Map([['-a-b', '{"x":1}'], ['-c', '{"y":2}']]));
  });
});

describe('Claude Code transcripts in a status refresh (real tmux, real files)', () => {
  const temp = makeTempDir('ao-claude');
  const socket = `ao-claude-test-${process.pid}`;
  const previous = process.env.CLAUDE_CONFIG_DIR;
  let orch: Orchestrator;
  let pool: HostPool;

  beforeAll(() => {
    process.env.CLAUDE_CONFIG_DIR = path.join(temp.dir, 'claude');
    const config = parseConfig({ instance: 'cc', dataDir: path.join(temp.dir, 'data'), tmuxSocket: socket, projects: [{ repo: 'acme/web', agent: 'claude-code' }] });
    pool = new HostPool(config);
    orch = new Orchestrator(config, pool, { actor: 'test' });
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.CLAUDE_CONFIG_DIR;
    else process.env.CLAUDE_CONFIG_DIR = previous;
    await pool.close();
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* none */
    }
    temp.cleanup();
  });

  it('an agent whose screen says nothing, but whose transcript shows a tool running, is active', async () => {
    const id = 'web-1';
    const worktree = path.join(temp.dir, 'data/cc/web/worktrees', id);
    mkdirSync(worktree, { recursive: true });
    const name = tmuxSessionName(orch.hash12, id);
    await orch.store('local').create('web', id, { id, project: 'web', repo: 'acme/web', host: 'local', branch: `ao/${id}`, tmuxName: name, agent: 'claude-code', status: 'working', createdAt: new Date().toISOString() });
    // A pane with nothing Claude-like on it, quiet for longer than the settle time.
    await orch.runtime('local').create({ name, cwd: worktree, command: 'echo compiling; exec sleep 60' });
    await new Promise((r) => setTimeout(r, 2500));
    expect((await listSessions(orch)).sessions[0]!.activity).toBe('ready');

    const dir = path.join(temp.dir, 'claude/projects', claudeProjectDirName(realpathSync(worktree)));
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    writeFileSync(path.join(dir, 'old.jsonl'), `${JSON.stringify({ type: 'assistant', timestamp: now, message: { stop_reason: 'end_turn' } })}\n`);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(path.join(dir, 'current.jsonl'), `${JSON.stringify({ type: 'user', timestamp: now })}\n${JSON.stringify({ type: 'assistant', timestamp: now, message: { stop_reason: 'tool_use' } })}\n`);
    const view = (await listSessions(orch)).sessions[0]!;
    expect(view.activity).toBe('active');
    expect(Date.parse(view.lastActivityAt!)).toBe(Date.parse(now));
  });
});
