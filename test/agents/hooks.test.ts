import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeCodeAdapter, claudeCodeHooks } from '../../src/agents/claude-code.js';
import { codexAdapter, codexHooks } from '../../src/agents/codex.js';
import { hookCommand, hookEnv, parseAgentState, parseHookLine, readAgentState, type HookTarget } from '../../src/agents/hooks.js';
import { scriptEntries } from '../../src/hosts/script-output.js';
import { hostScript } from '../../src/hosts/scripts.js';
import { waitFor } from '../support/rig.js';
import { makeTempDir } from '../support/tmp.js';

/**
 * The hooks spawn installs (src/agents/hooks.ts): the command lines each
 * agent gets, the host script a hook runs (scripts/agent-hook.sh) fed the
 * JSON the agents really send, and the snapshot's probe that reads every
 * session's state (scripts/agent-state.sh). Real sh, real files.
 */

const temp = makeTempDir('ao-hooks');
afterAll(() => temp.cleanup());

const script = hostScript('agent-hook');

function target(id: string, project = 'web'): HookTarget {
  return { stateDir: path.join(temp.dir, 'data', 'inst', project, 'agent-state', id), script };
}

/** The words a shell makes of a command line (what the pane's `sh` runs). */
function words(commandLine: string): string[] {
  return execFileSync('sh', ['-c', `for a in ${commandLine}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

/** Run one hook as Claude Code does: its command through `sh -c`, in the session's environment, the event's JSON on stdin. */
function claudeHook(t: HookTarget, event: string, input: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string {
  const command = settingsOf(claudeCodeHooks.install()).hooks[event]![0]!.hooks[0]!.command;
  return execFileSync('sh', ['-c', command], { input: JSON.stringify({ hook_event_name: event, ...input }), env: { ...process.env, ...hookEnv(t), ...env }, encoding: 'utf8' });
}

/** Run the notify program as Codex does: its argv, the JSON appended as the last argument. */
function codexNotify(t: HookTarget, payload: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const toml = words(codexHooks.install())[1]!;
  const argv = JSON.parse(toml.slice('notify='.length)) as string[];
  return execFileSync(argv[0]!, [...argv.slice(1), JSON.stringify(payload)], { env: { ...process.env, ...hookEnv(t), ...env }, encoding: 'utf8' });
}

interface ClaudeSettings {
  hooks: Record<string, { hooks: { type: string; command: string }[] }[]>;
}

/** The settings layer in Claude Code's `--settings <json>` arguments. */
function settingsOf(args: string): ClaudeSettings {
  const argv = words(args);
  expect(argv[0]).toBe('--settings');
  return JSON.parse(argv[1]!) as ClaudeSettings;
}

function probe(dataDir: string, instance: string): Map<string, string> {
  const out = execFileSync('sh', ['-c', hostScript('agent-state'), 'ao', dataDir, instance], { encoding: 'utf8' });
  return new Map(scriptEntries(out).map((e) => [e.header, e.body.trim()]));
}

const assistant = (id: string, usage: Record<string, number>, stop = 'end_turn') =>
  JSON.stringify({ type: 'assistant', message: { id, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'the "usage":{"input_tokens":999} in a text' }], stop_reason: stop, usage } });

describe('hook lines and probe entries (pure)', () => {
  it.each([
    ['1795952326 PermissionRequest Bash', { at: 1795952326000, event: 'PermissionRequest', detail: 'Bash' }],
    ['1795952326 Stop', { at: 1795952326000, event: 'Stop', detail: '' }],
    ['1795952326 notify agent-turn-complete', { at: 1795952326000, event: 'notify', detail: 'agent-turn-complete' }],
    ['1795952326 PreToolUse mcp__github__create_issue', { at: 1795952326000, event: 'PreToolUse', detail: 'mcp__github__create_issue' }],
  ])('reads %j', (line, expected) => {
    expect(parseHookLine(line)).toEqual(expected);
  });

  it.each(['', 'Stop', '12 Stop', '1795952326 Pre;Tool', '1795952326 Stop a b', '1795952326  Stop'])('refuses %j', (line) => {
    expect(parseHookLine(line)).toBeUndefined();
  });

  it('reads an entry of the probe', () => {
    expect(parseAgentState('event 1795952326 Stop\nusage 400 80 10 5 0.003200')).toEqual({
      event: { at: 1795952326000, event: 'Stop', detail: '' },
      usage: { input: 400, output: 80, cacheRead: 10, cacheWrite: 5, cost: 0.0032 },
    });
    expect(parseAgentState('usage 1 2 3 4 -')).toEqual({ usage: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4, cost: null } });
    expect(parseAgentState('usage 1 2 x 4 -\nevent garbage')).toEqual({});
  });

  it.each<[string, string, string, string | undefined]>([
    ['claude-code', 'SessionStart', '', 'ready'],
    ['claude-code', 'UserPromptSubmit', '', 'busy'],
    ['claude-code', 'PreToolUse', 'Bash', 'busy'],
    ['claude-code', 'PostToolUse', 'Bash', 'busy'],
    ['claude-code', 'PermissionRequest', 'Bash', 'waiting_input'],
    ['claude-code', 'Notification', 'permission_prompt', 'waiting_input'],
    ['claude-code', 'Notification', 'elicitation_dialog', 'waiting_input'],
    ['claude-code', 'Notification', 'idle_prompt', 'ready'],
    ['claude-code', 'Notification', 'auth_success', undefined],
    ['claude-code', 'Stop', '', 'ready'],
    ['claude-code', 'SessionEnd', '', undefined],
    ['codex', 'notify', 'agent-turn-complete', 'ready'],
    ['codex', 'notify', 'something-new', undefined],
    ['codex', 'Stop', '', undefined],
  ])('%s: %s %s -> %s', (agent, event, detail, state) => {
    const hooks = agent === 'codex' ? codexHooks : claudeCodeHooks;
    expect(hooks.state(event, detail)).toBe(state);
    const read = readAgentState(hooks, { event: { at: 5000, event, detail } });
    expect(read.report?.state).toBe(state);
    expect(read.report?.at).toBe(5000);
  });
});

describe('install: on the command line, never in the worktree', () => {
  const t: HookTarget = { stateDir: "/data/it's here/web/agent-state/web-1", script };

  it('Claude Code: one --settings layer with a hook per event, each running the script from the session environment', () => {
    const line = claudeCodeAdapter.launchCommand({ sessionId: 'web-1', worktree: '/w', hooks: t });
    const argv = words(line);
    expect(argv[0]).toBe('claude');
    const settings = settingsOf(line.slice('claude '.length));
    expect(Object.keys(settings.hooks).sort()).toEqual(['Notification', 'PermissionRequest', 'PostToolUse', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop', 'UserPromptSubmit']);
    for (const [event, [entry]] of Object.entries(settings.hooks)) {
      expect(entry!.hooks).toEqual([{ type: 'command', command: hookCommand(event) }]);
      expect(words(entry!.hooks[0]!.command)).toEqual(['sh', '-c', 'eval "$AO_AGENT_HOOK"', 'ao-hook', event]);
    }
    // The session's own data is in its environment, not on the command line.
    expect(line).not.toContain(t.stateDir);
    expect(hookEnv(t)).toEqual({ AO_AGENT_HOOK: script, AO_AGENT_STATE: t.stateDir });
    // Resume keeps them, and an operator's command line gets them too.
    expect(words(claudeCodeAdapter.resumeCommand!({ sessionId: 'web-1', worktree: '/w', hooks: t })!)).toEqual([...argv, '--continue']);
    expect(words(claudeCodeAdapter.launchCommand({ sessionId: 'web-1', worktree: '/w', hooks: t, agentCommand: 'claude --model sonnet' })).slice(0, 4)).toEqual(['claude', '--model', 'sonnet', '--settings']);
    // Without a target (hooks off) the command is the plain one.
    expect(claudeCodeAdapter.launchCommand({ sessionId: 'web-1', worktree: '/w' })).toBe('claude');
  });

  it('Codex: a notify override (TOML) before any subcommand', () => {
    const argv = words(codexAdapter.resumeCommand!({ sessionId: 'web-1', worktree: '/w', hooks: t })!);
    expect(argv.slice(0, 3)).toEqual(['codex', '--no-daemon', '-c']);
    expect(argv.slice(-2)).toEqual(['resume', '--last']);
    expect(argv[3]!.startsWith('notify=')).toBe(true);
    expect(JSON.parse(argv[3]!.slice('notify='.length))).toEqual(['sh', '-c', 'eval "$AO_AGENT_HOOK"', 'ao-hook', 'notify']);
    expect(codexAdapter.launchCommand({ sessionId: 'web-1', worktree: '/w' })).toBe('codex --no-daemon');
  });

  it('the command line and the environment stay well inside what tmux takes in one command (16 KB)', () => {
    const size = claudeCodeAdapter.resumeCommand!({ sessionId: 'web-1', worktree: '/w', hooks: t })!.length + Object.entries(hookEnv(t)).join('=').length;
    expect(size).toBeLessThan(8_000);
  });
});

describe('scripts/agent-hook.sh, fed what the agents send', () => {
  it('Claude Code: events, the transcript, token counts read once each, a torn last line left for later', async () => {
    const t = target('web-1');
    const transcript = path.join(temp.dir, 'claude', 'projects', '-w', 'session one.jsonl');
    mkdirSync(path.dirname(transcript), { recursive: true });
    writeFileSync(transcript, `${JSON.stringify({ type: 'user', message: { role: 'user', content: 'hi' } })}\n`);
    expect(claudeHook(t, 'SessionStart', { transcript_path: transcript, source: 'startup' })).toBe('');
    expect(readFileSync(path.join(t.stateDir, 'transcripts'), 'utf8')).toBe(`${transcript}\n`);
    claudeHook(t, 'UserPromptSubmit', { prompt: 'say "type":"x" and {"tool_name":"Evil"}' });
    claudeHook(t, 'PreToolUse', { tool_name: 'Bash', tool_input: { command: 'ls', type: 'x' } });
    claudeHook(t, 'PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'ls' } });
    let lines = readFileSync(path.join(t.stateDir, 'events'), 'utf8').trim().split('\n');
    expect(lines.map((l) => l.replace(/^\d+ /, ''))).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse Bash', 'PermissionRequest Bash']);
    expect(Math.abs(Number(lines[0]!.split(' ')[0]) * 1000 - Date.now())).toBeLessThan(60_000);

    // Two content blocks of one message (the same usage twice), a second message, the cost so far.
    appendFileSync(transcript, `${assistant('msg_1', { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 50, cache_creation_input_tokens: 7 }, 'tool_use')}\n`);
    appendFileSync(transcript, `${assistant('msg_1', { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 50, cache_creation_input_tokens: 7 }, 'tool_use')}\n`);
    appendFileSync(transcript, `${assistant('msg_2', { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 })}\n`);
    appendFileSync(transcript, `${JSON.stringify({ type: 'cost-state', totalCostUSD: 0.0125 })}\n`);
    // The next message is still being written.
    const torn = assistant('msg_3', { input_tokens: 1000, output_tokens: 1000 });
    appendFileSync(transcript, torn.slice(0, 40));
    claudeHook(t, 'PostToolUse', { tool_name: 'Bash' });
    expect(probe(path.join(temp.dir, 'data'), 'inst').get('web/web-1')).toMatch(/^event \d+ PostToolUse Bash\nusage 110 25 50 7 0\.012500$/);

    // The rest of the line arrives; the end of the turn counts it (a moment later), once.
    appendFileSync(transcript, `${torn.slice(40)}\n`);
    claudeHook(t, 'Stop', {});
    await waitFor(() => readFileSync(path.join(t.stateDir, 'usage-1'), 'utf8').startsWith(`${statSync(transcript).size} `), 10_000, 'the count after Stop');
    claudeHook(t, 'Notification', { notification_type: 'idle_prompt', message: 'waiting' });
    expect(probe(path.join(temp.dir, 'data'), 'inst').get('web/web-1')).toMatch(/^event \d+ Notification idle_prompt\nusage 1110 1025 50 7 0\.012500$/);

    // A resumed conversation starts the events afresh and keeps the transcript listed once.
    claudeHook(t, 'SessionStart', { transcript_path: transcript, source: 'resume' });
    lines = readFileSync(path.join(t.stateDir, 'events'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(readFileSync(path.join(t.stateDir, 'transcripts'), 'utf8')).toBe(`${transcript}\n`);
    expect(probe(path.join(temp.dir, 'data'), 'inst').get('web/web-1')).toMatch(/^event \d+ SessionStart\nusage 1110 1025 50 7 0\.012500$/);
  });

  it('Codex: the notify JSON as an argument, its rollout found by thread, running totals taken', async () => {
    const t = target('web-2');
    const codexHome = path.join(temp.dir, 'codex-home');
    const thread = '01a22716-17c0-7031-9ffe-38e30a760682';
    const rollout = path.join(codexHome, 'sessions', '2026', '11', '29', `rollout-2026-11-29T11-34-49-${thread}.jsonl`);
    mkdirSync(path.dirname(rollout), { recursive: true });
    const tokenCount = (input: number, cached: number, output: number) =>
      JSON.stringify({ timestamp: '2026-11-29T11:34:52.000Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output }, last_token_usage: { input_tokens: 1, cached_input_tokens: 0, output_tokens: 1 } } } });
    writeFileSync(rollout, `${JSON.stringify({ type: 'session_meta', payload: { id: thread, cwd: '/w' } })}\n${tokenCount(100, 0, 20)}\n${tokenCount(300, 80, 60)}\n`);
    // The side turn that names the task has a thread of its own and no rollout: nothing to count.
    expect(codexNotify(t, { type: 'agent-turn-complete', 'thread-id': 'ffffffff-0000', 'input-messages': ['Generate a title'] }, { CODEX_HOME: codexHome })).toBe('');
    expect(existsSync(path.join(t.stateDir, 'transcripts'))).toBe(false);
    const started = Date.now();
    expect(codexNotify(t, { type: 'agent-turn-complete', 'thread-id': thread, 'turn-id': 'x', cwd: '/w', 'last-assistant-message': 'done "type":"evil"' }, { CODEX_HOME: codexHome })).toBe('');
    // The hook returns at once; Codex writes its log a moment after it notifies, so the counting waits (detached).
    expect(Date.now() - started).toBeLessThan(1500);
    expect(readFileSync(path.join(t.stateDir, 'transcripts'), 'utf8')).toBe(`${rollout}\n`);
    expect(probe(path.join(temp.dir, 'data'), 'inst').get('web/web-2')).toMatch(/^event \d+ notify agent-turn-complete$/);
    await waitFor(() => probe(path.join(temp.dir, 'data'), 'inst').get('web/web-2')?.includes('usage'), 10_000, 'the counts');
    expect(probe(path.join(temp.dir, 'data'), 'inst').get('web/web-2')).toMatch(/^event \d+ notify agent-turn-complete\nusage 220 60 80 0 -$/);
  });

  it('never fails the agent: a state directory it cannot make, an odd event name', () => {
    const blocked = path.join(temp.dir, 'blocked');
    writeFileSync(blocked, 'a file where the directory would go');
    expect(claudeHook({ stateDir: path.join(blocked, 'x'), script }, 'Stop', {})).toBe('');
    const run = (event: string, env: Record<string, string>) => execFileSync('sh', ['-c', hookCommand(event)], { input: '{}', env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(run('Stop; rm -rf /', hookEnv(target('web-3')))).toBe('');
    expect(run('Stop', { ...hookEnv(target('web-3')), AO_AGENT_STATE: 'relative/dir' })).toBe('');
    expect(existsSync(target('web-3').stateDir)).toBe(false);
    // A session without the environment (started by hand with these settings): nothing happens.
    expect(run('Stop', {})).toBe('');
  });
});

describe('scripts/agent-state.sh', () => {
  it('one entry per session of the instance, none of another instance, nothing when no session has hooks', () => {
    const data = path.join(temp.dir, 'probe-data');
    expect(probe(data, 'inst').size).toBe(0);
    for (const [instance, project, id, line] of [
      ['inst', 'web', 'web-1', '1795952326 PermissionRequest Bash'],
      ['inst', 'api', 'api-7', '1795952330 Stop'],
      ['other', 'web', 'web-1', '1795952331 PreToolUse Bash'],
    ] as const) {
      const dir = path.join(data, instance, project, 'agent-state', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'events'), `1795952300 SessionStart\n${line}\n`);
    }
    writeFileSync(path.join(data, 'inst', 'api', 'agent-state', 'api-7', 'usage-1'), '500 40 2 0 0 - - 0 0 0 0\n');
    writeFileSync(path.join(data, 'inst', 'api', 'agent-state', 'api-7', 'usage-2'), '900 60 3 100 5 0.5 msg_9 0 0 0 0\n');
    const entries = probe(data, 'inst');
    expect(entries).toEqual(
      new Map([
        ['web/web-1', 'event 1795952326 PermissionRequest Bash'],
        ['api/api-7', 'event 1795952330 Stop\nusage 100 5 100 5 0.500000'],
      ]),
    );
  });
});
