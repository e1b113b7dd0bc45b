import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../support/agent-log.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';
import { startSimulatorProcess, type SimulatorProcess } from '../support/sim-process.js';
import { makeTempDir } from '../support/tmp.js';
import { runAction, type ActionRun } from './runner.js';
import { expectNoKey, filesUnder, hostState, installAction, keyLines } from './support.js';

/**
 * The composite action, run as the GitHub runner runs it (test/action/
 * runner.ts), from a copy of action.yml and its checked-in bundle, against
 * real hosts (the local machine and a loopback sshd reached with the key
 * the step is given), real tmux and git, the fake agent, and the GitHub
 * simulator as its own process: every operation gives the right outputs,
 * summary and annotations, the key never shows, and bad input fails the
 * step and changes nothing.
 */

const OWNER = 'acme';
const REPO = 'demo-app';
let sim: SimulatorProcess;
let rig: SessionRig;
let ownerToken: string;
let dir: string;
let cleanupDir: () => void;
let actionDir: string;
let workspace: string;
let runnerTemp: string;
let key: string;
let secret: string[];
let knownHosts: string;
let originDir: string;

beforeAll(async () => {
  sim = await startSimulatorProcess();
  ownerToken = (await sim.sim.addUser(OWNER, { permission: 'admin' })).token;
  const repo = await sim.sim.createRepo({ owner: OWNER, name: REPO, files: { 'README.md': '# demo\n' } });
  originDir = repo.gitDir;
  rig = await startRig({
    ssh: true,
    url: repo.gitDir,
    agent: { env: { AO_FAKE_GITHUB_API: sim.url, AO_FAKE_GITHUB_TOKEN: ownerToken, AO_FAKE_GITHUB_REPO: `${OWNER}/${REPO}` } },
  });
  ({ dir, cleanup: cleanupDir } = makeTempDir('ao-action'));
  actionDir = installAction(dir);
  workspace = path.join(dir, 'workspace');
  runnerTemp = path.join(dir, 'runner-temp');
  mkdirSync(path.join(workspace, '.github'), { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  key = readFileSync(rig.sshd!.clientKeyPath, 'utf8');
  secret = keyLines(rig.sshd!.clientKeyPath);
  knownHosts = `# the runner host\n[127.0.0.1]:${rig.sshd!.port} ${rig.sshd!.hostKeyLine}\n`;
  // The workflow's config: the SSH host's key comes from the step, its pin from known-hosts.
  const hosts = (rig.configRaw.hosts as Record<string, unknown>[]).map((h) => {
    if (h.name !== 'ssh1') return h;
    const { hostKey: _pin, ...rest } = h;
    return { ...rest, privateKey: '$AO_SSH_KEY_FILE' };
  });
  writeFileSync(path.join(workspace, '.github/agent-orchestrator.yaml'), stringify({ ...rig.configRaw, hosts }));
}, 120_000);

afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
  cleanupDir?.();
});

/** One step of a workflow using the action, with the runner's environment (GitHub's API is the simulator). */
async function step(inputs: Record<string, string>, options: { cancelWhen?: (printed: string) => boolean; killWhen?: (printed: string) => boolean } = {}): Promise<ActionRun> {
  const run = await runAction({
    actionDir,
    with: { config: '.github/agent-orchestrator.yaml', 'ssh-private-key': key, 'known-hosts': knownHosts, ...inputs },
    workspace,
    runnerTemp,
    env: { GITHUB_API_URL: sim.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}` },
    github: { token: ownerToken, repository: `${OWNER}/${REPO}` },
    cancelWhen: options.cancelWhen,
    killWhen: options.killWhen,
    timeoutMs: 120_000,
  });
  expectNoKey(run, secret, { runnerTemp, workspace });
  return run;
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error' && !a.message.startsWith('Process completed'));
const json = (run: ActionRun) => JSON.parse(run.outputs.json!) as Record<string, unknown>;
const state = () => hostState([path.join(rig.dir, 'local-data'), path.join(rig.dir, 'ssh-data')], rig.socket, originDir);

describe('every operation as a step', () => {
  let id: string;
  let pr: number;

  it('spawn: a session for an issue on the SSH host, reached with the step\'s key and pinned by known-hosts', async () => {
    const issue = await sim.sim.createIssue(OWNER, REPO, { title: 'Add a greeting', body: 'Please add hello.txt' });
    const run = await step({ command: 'spawn', project: 'demo', issue: String(issue.number), host: 'ssh1' });
    expect(run.conclusion, run.log).toBe('success');
    expect(errors(run)).toEqual([]);
    id = run.outputs['session-id']!;
    expect(id).toMatch(/^demo-\d+$/);
    expect(run.outputs).toMatchObject({ status: 'working', 'exit-code': '0' });
    expect(json(run)).toMatchObject({ id, host: 'ssh1', project: 'demo', existing: false });
    expect(json(run).branch as string).toMatch(new RegExp(`^ao/test/${id}-issue-${issue.number}`));
    expect(run.summary).toContain('### ao spawn');
    expect(run.summary).toContain(`spawned ${id} on ssh1`);
    expect(run.summary).toContain(`Session **${id}** is now **working**.`);
    expect(run.log).toContain('known-hosts pins the key of ssh1');
    // The key was masked for the runner, line by line.
    expect(run.masks).toEqual(expect.arrayContaining(secret));
    await waitFor(() => messages(rig.agentLog).some((m) => m.includes(`session ${id}`) && m.includes(`#${issue.number}`)), 20_000, 'the task prompt');
  });

  it('send: shell metacharacters and ${{ }} in the message arrive verbatim, and act as nothing', async () => {
    const message = 'Quote "it" & run $(touch /tmp/ao-action-pwned) `id`; echo $HOME | cat\n${{ github.token }} ${{ secrets.AO }} %0A ::error::forged\nthe end';
    const run = await step({ command: 'send', session: id, message });
    expect(run.conclusion, run.log).toBe('success');
    expect(run.outputs).toMatchObject({ 'session-id': id, 'exit-code': '0' });
    expect(json(run)).toMatchObject({ id, delivered: true });
    await waitFor(() => messages(rig.agentLog).includes(message), 15_000, 'the message, verbatim');
    expect(existsSync('/tmp/ao-action-pwned')).toBe(false);
    expect(run.annotations.some((a) => a.message.includes('forged'))).toBe(false);
    expect(run.summary).toMatch(/sent \d+ bytes to demo-\d+/);
  });

  it('send: message-file, with the pane reacting', async () => {
    writeFileSync(path.join(workspace, 'ci-log.txt'), 'CI log:\n  FAIL greeting.test.ts > says $HELLO\n');
    const run = await step({ command: 'send', session: id, 'message-file': 'ci-log.txt', timeout: '60' });
    expect(run.conclusion, run.log).toBe('success');
    await waitFor(() => messages(rig.agentLog).includes('CI log:\n  FAIL greeting.test.ts > says $HELLO'), 15_000, 'the file, verbatim (its last line end dropped)');
  });

  it('status: the table in the summary, and the session\'s status as the output', async () => {
    const run = await step({ command: 'status', session: id });
    expect(run.conclusion, run.log).toBe('success');
    expect(run.outputs).toMatchObject({ 'session-id': id, status: 'working', 'exit-code': '0' });
    expect(run.summary).toContain('| ID | STATUS | PR | CI | REV | THR | ACTIVITY | LAST ACTIVITY | BRANCH | HOST |');
    expect(run.summary).toMatch(new RegExp(`\\| ${id} \\| \\*\\*working\\*\\* \\| - \\|`));
    // The log shows the CLI's own table.
    expect(run.log).toMatch(/ID\s+STATUS\s+PR\s+CI/);
  });

  it('reconcile: one cycle tells the agent its CI failed, and the summary says so', async () => {
    const sent = await step({ command: 'send', session: id, message: 'fake:write hello.txt hello\nfake:commit add hello\nfake:push\nfake:pr Add a greeting' });
    expect(sent.conclusion, sent.log).toBe('success');
    pr = await waitFor(async () => {
      const run = await step({ command: 'status', session: id });
      return ((json(run).sessions as { id: string; prNumber: number | null }[]).find((s) => s.id === id)?.prNumber ?? undefined);
    }, 30_000, 'the PR');
    const branch = (json(await step({ command: 'status', session: id })).sessions as { id: string; branch: string }[]).find((s) => s.id === id)!.branch;
    const head = await sim.sim.headSha(OWNER, REPO, branch);
    await sim.sim.setCheckRun(OWNER, REPO, { ref: head, name: 'unit-tests', status: 'completed', conclusion: 'failure', output: { title: '3 tests failed', summary: 'greeting.test.ts' } });
    const run = await step({ command: 'reconcile' });
    expect(run.conclusion, run.log).toBe('success');
    const doc = json(run) as { actions: { session: string; description: string; ok: boolean }[]; dryRun: boolean };
    expect(doc.dryRun).toBe(false);
    expect(doc.actions.find((a) => a.session === id && a.description.includes('sent ci-failed'))?.ok).toBe(true);
    expect(run.summary).toContain('### ao reconcile');
    expect(run.summary).toContain(`sent ci-failed`);
    await waitFor(() => messages(rig.agentLog).some((m) => m.startsWith(`CI failed on your PR #${pr} `) && m.includes('unit-tests: failure')), 15_000, 'the CI message');
    const status = await step({ command: 'status', session: id });
    expect(status.outputs.status).toBe('ci_failed');
    expect(status.summary).toMatch(new RegExp(`\\| ${id} \\| \\*\\*ci_failed\\*\\* \\| \\[#${pr}\\]\\(http[^)]+\\) \\| ✗ \\|`));
  });

  it('cleanup with dry-run: the plan in the summary, nothing killed', async () => {
    await sim.sim.merge(OWNER, REPO, pr, { method: 'squash' });
    const before = state();
    const run = await step({ command: 'cleanup', 'dry-run': 'true' });
    expect(run.conclusion, run.log).toBe('success');
    const doc = json(run) as { dryRun: boolean; candidates: { id: string; reason: string }[]; killed: unknown[] };
    expect(doc.dryRun).toBe(true);
    expect(doc.candidates.map((c) => c.id)).toContain(id);
    expect(doc.killed).toEqual([]);
    expect(run.summary).toMatch(new RegExp(`would kill ${id} \\(.*merged`));
    expect(state()).toBe(before);
  });

  it('kill: the session is killed, its status output says so', async () => {
    const run = await step({ command: 'kill', session: id });
    expect(run.conclusion, run.log).toBe('success');
    expect(run.outputs).toMatchObject({ 'session-id': id, status: 'killed', 'exit-code': '0' });
    expect(json(run)).toMatchObject({ id, killed: true });
    expect(run.summary).toContain(`Session **${id}** is now **killed**.`);
  });

  it('restore and events: a killed session comes back, and its audit trail says so', async () => {
    const spawned = await step({ command: 'spawn', project: 'acme/demo-app', prompt: 'a task to come back to', host: 'local' });
    const other = spawned.outputs['session-id']!;
    expect((await step({ command: 'kill', session: other })).outputs.status).toBe('killed');
    const run = await step({ command: 'restore', session: other });
    expect(run.conclusion, run.log).toBe('success');
    expect(run.outputs).toMatchObject({ 'session-id': other, status: 'working', 'exit-code': '0' });
    expect(run.summary).toContain(`restored ${other} on local`);
    const events = await step({ command: 'events', session: other, last: '3' });
    expect(events.conclusion, events.log).toBe('success');
    expect((json(events).events as { type: string }[]).map((e) => e.type)).toContain('restored');
    expect(events.summary).toMatch(/restored/);
  });
});

describe('bad input fails the step with a clear error and changes nothing', () => {
  let before: string;
  beforeAll(() => {
    before = state();
  });

  const rejected = (run: ActionRun, exitCode: string, pattern: RegExp) => {
    expect(run.conclusion).toBe('failure');
    expect(run.outputs['exit-code']).toBe(exitCode);
    expect(errors(run).map((a) => a.message).join('\n')).toMatch(pattern);
    expect(run.summary).toMatch(/: failed/);
    expect(state()).toBe(before);
  };

  it('an unknown command', async () => {
    const run = await step({ command: 'rm -rf /' });
    rejected(run, '2', /unknown command "rm -rf \/"\nFix: set command to one of: spawn, ls, status, send, kill, cleanup, reconcile, restore, events, doctor/);
    expect(json(run)).toEqual({ error: { kind: 'usage', message: 'unknown command "rm -rf /"', hint: expect.any(String) } });
  });

  it('a session that does not exist', async () => {
    rejected(await step({ command: 'send', session: 'demo-999', message: 'hello' }), '2', /demo-999/);
  });

  it('a required input left out, and an input of another command', async () => {
    rejected(await step({ command: 'kill' }), '2', /input "session" is required for command "kill"/);
    rejected(await step({ command: 'status', force: 'true' }), '2', /input "force" does not apply to command "status"\nFix: remove it, or use it with spawn, kill/);
    rejected(await step({ command: 'cleanup', 'dry-run': 'maybe' }), '2', /input "dry-run" must be true or false, not "maybe"/);
  });

  it('a malformed key: not a key at all, or a key ssh cannot read', async () => {
    const notAKey = await step({ command: 'status', 'ssh-private-key': 'hunter2-not-a-key-at-all' });
    rejected(notAKey, '2', /input "ssh-private-key" is not a private key/);
    expect(notAKey.raw + notAKey.summary + JSON.stringify(notAKey.outputs)).not.toContain('hunter2');
    // The armor is right, the body is not: ao cannot use it, and says which host.
    const lines = key.trim().split('\n');
    const broken = [lines[0], ...lines.slice(1, -1).map((l) => l.replace(/[A-Za-z]/g, 'A')), lines.at(-1)].join('\n');
    const run = await step({ command: 'doctor', 'ssh-private-key': broken });
    rejected(run, '1', /ssh1/);
    for (const line of keyLines(rig.sshd!.clientKeyPath)) expect(run.raw).not.toContain(line);
    for (const line of broken.split('\n').slice(1, -1)) expect(run.raw).not.toContain(line);
  });

  it('a host key that is not pinned, or pinned to another key, is refused: nothing is trusted on first use', async () => {
    rejected(await step({ command: 'spawn', project: 'demo', host: 'ssh1', prompt: 'x', 'known-hosts': '' }), '2', /hostKey: is missing/);
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    const run = await step({ command: 'spawn', project: 'demo', host: 'ssh1', prompt: 'x', 'known-hosts': `[127.0.0.1]:${rig.sshd!.port} ${other}` });
    expect(run.conclusion).toBe('failure');
    expect(errors(run).map((a) => a.message).join('\n')).toMatch(/host key/i);
    expect(state()).toBe(before);
  });

  it('text from ao that looks like a workflow command stays text', async () => {
    const run = await step({ command: 'status', project: 'nope\n::error::forged\n::add-mask::ssh' });
    rejected(run, '2', /unknown project/);
    // One annotation from the step (its message holds the text, escaped), none forged; nothing masked by it.
    expect(errors(run)).toHaveLength(1);
    expect(errors(run)[0]!.message).toContain('::error::forged');
    expect(run.masks).not.toContain('ssh');
    expect(run.log).toContain('::error::forged');
  });

  it('known-hosts that is not a known_hosts file', async () => {
    rejected(await step({ command: 'status', 'known-hosts': 'just some text' }), '2', /known-hosts line 1 is not a known_hosts line/);
  });
});

describe('the key is gone however the step ends', () => {
  it('cancelled while ao runs (SIGINT, as the Cancel button sends): the always() step still runs, nothing is left', async () => {
    const run = await step({ command: 'status' }, { cancelWhen: (printed) => printed.includes('::stop-commands::') });
    expect(run.conclusion).toBe('cancelled');
    expect(run.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['prep', 'success'],
      ['run', 'cancelled'],
      ['__2', 'success'],
    ]);
    expect(filesUnder(runnerTemp)).toEqual([]);
  });

  it('killed outright (SIGKILL: no clean-up of its own): the always() step removes the key', async () => {
    let keyFileSeen = false;
    const run = await step({ command: 'status' }, {
      killWhen: (printed) => {
        // The key file exists while ao runs; then the step is killed.
        keyFileSeen ||= filesUnder(runnerTemp).some((f) => f.endsWith('/ssh-key'));
        return printed.includes('::stop-commands::') && keyFileSeen;
      },
    });
    expect(keyFileSeen).toBe(true);
    expect(run.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['prep', 'success'],
      ['run', 'failure'],
      ['__2', 'success'],
    ]);
    expect(filesUnder(runnerTemp)).toEqual([]);
  });
});

describe('a host that cannot be reached', () => {
  it('is a warning on the run; its sessions are left alone, and the step succeeds as ao status does', async () => {
    await rig.sshd!.kill();
    try {
      const run = await step({ command: 'status' });
      expect(run.conclusion, run.log).toBe('success');
      expect(run.annotations.filter((a) => a.level === 'warning').map((a) => a.message).join('\n')).toMatch(/host ssh1 is unreachable .*its sessions were left alone/);
      expect(run.summary).toMatch(/> \[!WARNING\]\n> host ssh1 is unreachable/);
    } finally {
      await rig.sshd!.restart();
    }
  });
});
