import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programOf } from '../../src/agents/command.js';
import { LocalHost } from '../../src/hosts/local.js';
import { SessionStore } from '../../src/hosts/store.js';
import { humanLogLine } from '../../src/log.js';
import { messages } from '../support/agent-log.js';
import { runAo, writeConfig } from '../support/cli.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';

/** What a new operator hit (issue 8): each test here failed before its fix. */

const execFileAsync = promisify(execFile);
const AO = path.join(import.meta.dirname, '../../bin/ao.js');

let rig: SessionRig;
let configPath: string;

beforeAll(async () => {
  rig = await startRig({ ssh: true });
  configPath = writeConfig(rig.dir, rig.configRaw);
});
afterAll(async () => {
  await rig?.stop();
});

let configs = 0;
/** A config file of its own (writeConfig writes agent-orchestrator.yaml in the directory it is given). */
function configFile(raw: Record<string, unknown>): string {
  const dir = path.join(rig.dir, `config-${++configs}`);
  mkdirSync(dir, { recursive: true });
  return writeConfig(dir, raw);
}

const ao = (...args: string[]) => runAo(args, { configPath, env: { AO_KNOWN_HOSTS: path.join(rig.dir, 'known_hosts') } });
const worktrees = () => {
  const dir = path.join(rig.dir, 'local-data/test/demo/worktrees');
  return existsSync(dir) ? readdirSync(dir).length : 0;
};

describe('--json through a pipe', () => {
  it('`ao session ls --json | cat` with 150 sessions is whole, valid JSON', async () => {
    // A deployment of its own, so these records do not fill the other tests' hosts.
    const store = new SessionStore(new LocalHost(), { dataDir: path.join(rig.dir, 'local-data'), instance: 'bulk' });
    await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        store.createRecord({ id: `bulk-${i + 1}`, project: 'bulk', repo: 'acme/bulk', branch: `ao/bulk-${i + 1}`, agent: 'generic', status: 'working', createdAt: new Date().toISOString(), extra: {} }),
      ),
    );
    const bulkConfig = configFile({
      ...rig.configRaw,
      instance: 'bulk',
      projects: [...(rig.configRaw.projects as object[]), { repo: 'acme/bulk', prefix: 'bulk', agentCommand: 'true' }],
    });
    // A shell pipeline, as a user types it: the reader is another process.
    const { stdout } = await execFileAsync('sh', ['-c', `"${process.execPath}" "${AO}" session ls -p bulk --json | cat`], {
      env: { ...process.env, AO_FROM_SOURCE: '1', AO_CONFIG: bulkConfig },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout.length).toBeGreaterThan(65_536);
    const doc = JSON.parse(stdout) as { sessions: { id: string }[] };
    expect(doc.sessions).toHaveLength(150);
    expect(new Set(doc.sessions.map((s) => s.id)).size).toBe(150);
  });
});

describe('a missing agent program', () => {
  it('spawn says the program is not on that host and how to install it; doctor checks it; nothing is left', async () => {
    const missing = configFile({
      ...rig.configRaw,
      projects: [{ repo: 'acme/demo-app', name: 'demo', prefix: 'demo', url: rig.origin.url, agent: 'claude-code', agentCommand: 'claude-not-installed-here --model x' }],
    });
    const before = worktrees();
    const spawn = await runAo(['spawn', 'demo', '--prompt', 'x', '--host', 'local'], { configPath: missing });
    expect(spawn.code).toBe(1);
    expect(spawn.stderr).toMatch(/the agent's program "claude-not-installed-here" was not found on host "local"/);
    expect(spawn.stderr).toMatch(/npm install -g @anthropic-ai\/claude-code/);
    expect(spawn.stderr).not.toMatch(/restore/);
    expect(worktrees()).toBe(before);

    const doctor = await runAo(['doctor', '--json'], { configPath: missing });
    expect(doctor.code).toBe(1);
    const report = JSON.parse(doctor.stdout) as { hosts: { name: string; agents: { program: string; path: string | null }[]; problems: string[] }[] };
    for (const host of report.hosts) {
      expect(host.agents).toEqual([expect.objectContaining({ program: 'claude-not-installed-here', path: null })]);
      expect(host.problems.join('\n')).toMatch(/agent program "claude-not-installed-here" \(claude-code, for demo\) is not installed/);
    }
  });

  it('an agent that exits at once is reported with its last lines, and no hint to restore what was rolled back', async () => {
    const dying = configFile({
      ...rig.configRaw,
      projects: [{ repo: 'acme/demo-app', name: 'demo', prefix: 'demo', url: rig.origin.url, agentCommand: "sh -c 'echo cannot find my settings >&2; exit 3'" }],
    });
    const spawn = await runAo(['spawn', 'demo', '--prompt', 'x', '--host', 'local'], { configPath: dying });
    expect(spawn.code).toBe(1);
    expect(spawn.stderr).toMatch(/the agent exited before it took its task; its last lines:[\s\S]*cannot find my settings/);
    expect(spawn.stderr).not.toMatch(/ao session restore/);
  });

  it('doctor lists the agents it found', async () => {
    const doctor = await ao('doctor', '--json');
    const report = JSON.parse(doctor.stdout) as { hosts: { agents: { program: string; path: string | null }[] }[] };
    const program = programOf(rig.config.projects[0]!.agentCommand!)!;
    for (const host of report.hosts) expect(host.agents).toEqual([expect.objectContaining({ program, path: expect.stringMatching(new RegExp(`${path.basename(program)}$`)) })]);
  });
});

describe('the configuration is checked up front', () => {
  const sshHost = () => (rig.configRaw.hosts as { name: string }[]).find((h) => h.name === 'ssh1') as Record<string, unknown>;
  it.each<[string, (raw: Record<string, unknown>) => Record<string, unknown>, RegExp]>([
    ['an unknown agent', (raw) => ({ ...raw, projects: [{ repo: 'acme/web', agent: 'claud' }] }), /projects\[0\] \(acme\/web\)\.agent|projects \(acme\/web\)\.agent: unknown agent "claud"; known agents: generic, claude-code/],
    ['a generic agent without agentCommand', (raw) => ({ ...raw, projects: [{ repo: 'acme/web' }] }), /projects \(acme\/web\)\.agent: agent "generic" needs agentCommand/],
    ['a missing hostKey', (raw) => ({ ...raw, hosts: [{ ...sshHost(), hostKey: undefined }] }), /hosts \(ssh1\)\.hostKey: is missing; every SSH host's key must be pinned.*ssh-keygen -lf/],
    ['a malformed hostKey', (raw) => ({ ...raw, hosts: [{ ...sshHost(), hostKey: 'ssh-ed25519 !!!' }] }), /hosts \(ssh1\)\.hostKey: cannot read host key pin/],
  ])('%s: exit 2, the key and the fix, also as JSON', async (_name, change, pattern) => {
    const bad = configFile(change({ ...rig.configRaw }));
    const human = await runAo(['session', 'ls'], { configPath: bad });
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(pattern);
    expect(human.stdout).toBe('');
    const json = await runAo(['session', 'ls', '--json'], { configPath: bad });
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as { error: { kind: string; message: string } };
    expect(doc.error.kind).toBe('config');
    expect(doc.error.message).toMatch(pattern);
  });

  it('doctor still loads a host without a pin, to show the key it presents', async () => {
    const unpinned = configFile({ ...rig.configRaw, hosts: [{ ...sshHost(), hostKey: undefined }] });
    const doctor = await runAo(['doctor', '--json'], { configPath: unpinned });
    expect(doctor.code).toBe(1);
    const report = JSON.parse(doctor.stdout) as { hosts: { hostKey: { status: string; seen?: string } }[] };
    expect(report.hosts[0]!.hostKey).toEqual({ status: 'unpinned', seen: rig.sshd!.hostKeyFingerprint });
  });

  it('a usage error with --json is a JSON document too', async () => {
    const result = await ao('send', 'demo-1', 'x', '--timeout', 'soon', '--json');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { kind: 'usage', message: expect.stringMatching(/--timeout must be a positive number/), hint: null } });
  });
});

describe('logs for people', () => {
  it('an unreachable host prints no raw log JSON next to the readable warning', async () => {
    const broken = configFile({
      ...rig.configRaw,
      hosts: [...(rig.configRaw.hosts as object[]), { ...(rig.sshd!.hostConfig({ name: 'gone', port: 1, connectTimeoutMs: 1000 }) as object) }],
    });
    const list = await runAo(['session', 'ls'], { configPath: broken });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/warning: host gone is unreachable/);
    expect(list.stderr).not.toContain('{"level"');
    const verbose = await runAo(['session', 'ls'], { configPath: broken, env: { AO_LOG_LEVEL: 'info', AO_LOG_FORMAT: 'pretty' } });
    expect(verbose.stderr).toMatch(/^info: host unreachable: .*\(host=gone\)$/m);
    expect(verbose.stderr).not.toContain('{"level"');
  });

  it.each([
    [{ level: 40, time: 1, msg: 'could not record', session: 'web-1' }, 'warning: could not record (session=web-1)\n'],
    [{ level: 50, time: 1, msg: 'failed', err: { message: 'boom' } }, 'error: failed: boom\n'],
    [{ level: 30, time: 1, msg: 'token', token: '[redacted]' }, 'info: token (token=[redacted])\n'],
  ])('formats %j as one line', (entry, line) => {
    expect(humanLogLine(JSON.stringify(entry))).toBe(line);
  });
});

describe('open, send, columns and exit codes', () => {
  let a: string;
  it('`ao open <project>` without a terminal fails before making anything, and leaks no tmux session', async () => {
    a = JSON.parse((await ao('spawn', 'demo', '--prompt', 'one', '--host', 'local', '--json')).stdout).id;
    JSON.parse((await ao('spawn', 'demo', '--prompt', 'two', '--host', 'ssh1', '--json')).stdout);
    const sessions = () => {
      try {
        return execFileSync('tmux', ['list-sessions', '-F', '#{session_name}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        return '';
      }
    };
    const before = sessions();
    const result = await ao('open', 'demo');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ao open needs a terminal.*--print/s);
    expect(sessions()).toBe(before);
    expect(sessions()).not.toMatch(/ao-open-/);
  });

  it('`ao send -f` delivers the file\'s text, without the final line end', async () => {
    const file = path.join(rig.dir, 'message.txt');
    writeFileSync(file, 'line one\nline two\n');
    const sent = await ao('send', a, '-f', file);
    expect(sent.code).toBe(0);
    await waitFor(() => messages(rig.agentLog).includes('line one\nline two'), 10_000, 'the message');
    expect(messages(rig.agentLog)).not.toContain('line one\nline two\n');
  });

  it('names the time column for what it shows, in both views', async () => {
    expect((await ao('session', 'ls')).stdout.split('\n')[0]).toMatch(/^ID\s+LAST ACTIVITY\s+BRANCH\s+STATUS\s+PR$/);
    const status = await ao('status');
    expect(status.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+PR\s+CI\s+REV\s+THR\s+ACTIVITY\s+TOKENS\s+LAST ACTIVITY\s+BRANCH$/);
    // TOKENS: "-" for an agent that does not count them (the fake agent).
    expect(status.stdout).toMatch(new RegExp(`${a}\\s+working\\s+-\\s+-\\s+-\\s+-\\s+\\w+\\s+-\\s+\\d+[smhd] ago\\s+ao/test/${a}`));
  });

  it('exit codes follow one rule: an unknown name is 2, "already has a session" is not success', async () => {
    expect((await ao('send', 'demo-999', 'hi')).code).toBe(2);
    expect((await ao('spawn', 'nope', '1')).code).toBe(2);
    const first = await ao('spawn', 'demo', '77', '--host', 'local', '--json');
    expect(first.code).toBe(0);
    const again = await ao('spawn', 'demo', '77', '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ existing: true, id: JSON.parse(first.stdout).id });
    expect((await ao('spawn', 'demo', '77')).stdout).toMatch(/^not spawned: an active session already works on this issue/);
  });

  it('`ao --version` prints the version', async () => {
    const version = await ao('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(execFileSync('cat', [path.join(import.meta.dirname, '../../package.json')], { encoding: 'utf8' })).version);
  });

  it('acts as the login user even without $USER', async () => {
    const env = { ...process.env };
    delete env.USER;
    delete env.LOGNAME;
    const spawned = await runAo(['spawn', 'demo', '--prompt', 'who am i', '--host', 'local', '--json'], { configPath, env: { ...env, USER: '', LOGNAME: '' } });
    expect(spawned.code).toBe(0);
    const { id } = JSON.parse(spawned.stdout) as { id: string };
    const events = JSON.parse((await ao('session', 'events', id, '--json')).stdout) as { events: { type: string; actor: string }[] };
    const user = (await import('node:os')).userInfo().username;
    expect(events.events.find((e) => e.type === 'spawned')?.actor).toBe(`cli:${user}`);
  });
});
