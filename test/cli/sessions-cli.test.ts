import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAo, writeConfig } from '../support/cli.js';
import { startRig, type SessionRig } from '../support/rig.js';

let rig: SessionRig;
let configPath: string;

beforeAll(async () => {
  rig = await startRig({ ssh: true });
  configPath = writeConfig(rig.dir, rig.configRaw);
});
afterAll(async () => {
  await rig?.stop();
});

const ao = (...args: string[]) => runAo(args, { configPath, env: { AO_KNOWN_HOSTS: path.join(rig.dir, 'known_hosts') } });

describe('ao session commands', () => {
  let id: string;

  it('spawn --json prints the JSON document alone on stdout, progress on stderr', async () => {
    const result = await ao('spawn', 'demo', '12', '--host', 'ssh1', '--json');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ host: 'ssh1', project: 'demo', existing: false, promptDelivered: true });
    expect(doc.branch).toBe(`ao/test/${doc.id}-issue-12`);
    id = doc.id;
  });

  it('spawn without --json reports progress lines on stderr', async () => {
    const result = await ao('spawn', 'acme/demo-app', '--prompt', 'second task', '--host', 'local');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^spawned demo-\d+ on local: branch ao\/test\/demo-\d+\n/);
    expect(result.stderr).toMatch(/adding worktree/);
    expect(result.stderr).toMatch(/starting generic in tmux session/);
  });

  it('session ls shows the seed\'s columns, and --json a stable shape', async () => {
    const table = await ao('session', 'ls');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+LAST ACTIVITY\s+BRANCH\s+STATUS\s+PR$/);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+\\d+[smh] ago\\s+ao/test/${id}-issue-12\\s+working\\s+-`));
    const json = JSON.parse((await ao('session', 'ls', '--json', '-p', 'demo')).stdout);
    expect(Object.keys(json).sort()).toEqual(['hosts', 'sessions', 'warnings']);
    const s = json.sessions.find((x: { id: string }) => x.id === id);
    expect(Object.keys(s).sort()).toEqual(
      ['activity', 'agent', 'branch', 'ci', 'createdAt', 'headSha', 'host', 'hostReachable', 'id', 'issue', 'killedAt', 'lastActivityAt', 'pr', 'prNumber', 'project', 'question', 'repo', 'restoredAt', 'review', 'status', 'statusReason', 'tmuxName', 'tokens', 'unresolvedThreads', 'worktree'].sort(),
    );
    expect(s).toMatchObject({ id, host: 'ssh1', status: 'working', issue: 12, pr: null, ci: null });
  });

  it('status shows the comprehensive view with "-" for GitHub columns', async () => {
    const result = await ao('status');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+PR\s+CI\s+REV\s+THR\s+ACTIVITY\s+TOKENS\s+LAST ACTIVITY\s+BRANCH$/);
    expect(result.stdout).toMatch(new RegExp(`${id}\\s+working\\s+-\\s+-\\s+-\\s+-\\s+(active|ready|idle)\\s+-\\s+\\S+ ago\\s+ao/`));
  });

  it('status --watch refreshes until interrupted, one JSON document per refresh', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [path.join(import.meta.dirname, '../../bin/ao.js'), 'status', '--watch', '--interval', '0.3', '--json'], {
      env: { ...process.env, AO_FROM_SOURCE: '1', AO_CONFIG: configPath },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 30_000;
    while ((out.match(/^\}$/gm) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const docs = out
      .split(/\n(?=\{)/)
      .filter((d) => d.trim().endsWith('}'))
      .map((d) => JSON.parse(d));
    expect(docs.length).toBeGreaterThanOrEqual(3);
    for (const doc of docs) expect(doc.sessions.map((s: { id: string }) => s.id)).toContain(id);
  });

  it('send and kill work from the CLI', async () => {
    const sent = await ao('send', id, 'hello', 'from', 'the', 'cli');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/sent 18 bytes to .* \(delivery confirmed\)/);
    const killed = JSON.parse((await ao('session', 'kill', id, '--json')).stdout);
    expect(killed).toMatchObject({ id, killed: true });
    const again = await ao('session', 'kill', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already killed/);
    expect((await ao('session', 'ls', '--json')).stdout).not.toContain(`"id": "${id}"`);
    expect((await ao('session', 'ls', '--json', '--include-killed')).stdout).toContain(`"id": "${id}"`);
  });

  it('session events shows the audit trail, the message verbatim', async () => {
    const events = JSON.parse((await ao('session', 'events', id, '--json')).stdout) as { id: string; events: { type: string; text?: string; actor?: string }[] };
    expect(events.id).toBe(id);
    expect(events.events.map((e) => e.type)).toEqual(expect.arrayContaining(['spawned', 'message_sent', 'killed']));
    expect(events.events.filter((e) => e.type === 'message_sent').map((e) => e.text)).toContain('hello from the cli');
    const last = await ao('session', 'events', id, '--last', '1');
    expect(last.code).toBe(0);
    expect(last.stdout.trim().split('\n')).toHaveLength(1);
    expect(last.stdout).toMatch(/killed\s+cli:\S+\s+killed by command/);
  });

  it('open --print prints the attach command (ssh -t for SSH hosts)', async () => {
    const s = JSON.parse((await ao('spawn', 'demo', '--prompt', 'to open', '--host', 'ssh1', '--json')).stdout);
    const printed = await ao('open', s.id, '--print');
    expect(printed.code).toBe(0);
    const words = printed.stdout.trim().split(' ');
    expect(words.slice(0, 4)).toEqual(['ssh', '-t', '-o', 'StrictHostKeyChecking\\=yes']);
    expect(words.slice(6, 8)).toEqual(['-p', String(rig.sshd!.port)]);
    expect(printed.stdout).toContain(`attach-session -t`);
    expect(printed.stdout).toContain(s.tmuxName);
    // The printed ssh trusts exactly the pinned key: run it (without a terminal) with a harmless command.
    const [target] = JSON.parse((await ao('open', s.id, '--print', '--json')).stdout) as { argv: string[] }[];
    expect(target!.argv).toContain(`UserKnownHostsFile=${path.join(rig.dir, 'known_hosts')}`);
    const argv = target!.argv.map((a) => (a === '-t' ? '-T' : a)).slice(0, -1);
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(argv[0]!, [...argv.slice(1, -1), '-o', 'BatchMode=yes', argv.at(-1)!, 'echo attached-ok'], { encoding: 'utf8' });
    expect(out.trim()).toBe('attached-ok');
  });

  it.each([
    [['send', 'demo-999', 'hi'], 2, /no session demo-999/],
    [['send', 'not-an-id!', 'hi'], 2, /malformed session ID/],
    [['session', 'kill', '../../etc'], 2, /malformed session ID/],
    [['spawn', 'nope', '1'], 2, /unknown project "nope".*known projects: demo/s],
    [['spawn', 'demo', '--prompt', 'x', '--branch', 'a b'], 2, /invalid branch name "a b"/],
    [['spawn', 'demo', 'twelve'], 2, /issue must be a positive integer/],
    [['spawn', 'demo'], 2, /give an issue number or --prompt/],
    [['send', 'demo-1', 'x', '--timeout', 'soon'], 2, /--timeout must be a positive number/],
    [['session', 'frobnicate'], 2, /unknown command/],
  ])('ao %j exits %i with a clear message and changes nothing', async (args, code, pattern) => {
    const worktreesDir = path.join(rig.dir, 'local-data/test/demo/worktrees');
    const before = existsSync(worktreesDir) ? readdirSync(worktreesDir).length : 0;
    const result = await ao(...(args as string[]));
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(pattern as RegExp);
    expect(result.stdout).toBe('');
    expect(existsSync(worktreesDir) ? readdirSync(worktreesDir).length : 0).toBe(before);
  });

  it('reports an unreachable host without failing the listing, and refuses to spawn there', async () => {
    const broken = writeConfig(path.join(rig.dir), {
      ...rig.configRaw,
      hosts: [...(rig.configRaw.hosts as object[]), { ...rig.sshd!.hostConfig({ name: 'gone', port: 1, connectTimeoutMs: 1000 }) }],
    });
    const list = await runAo(['session', 'ls'], { configPath: broken });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/warning: host gone is unreachable/);
    const spawn = await runAo(['spawn', 'demo', '--prompt', 'x', '--host', 'gone'], { configPath: broken });
    expect(spawn.code).toBe(1);
    expect(spawn.stderr).toMatch(/host "gone" is unreachable/);
  });
});
