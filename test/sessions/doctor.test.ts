import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdapter } from '../../src/agents/index.js';
import { doctorCommand } from '../../src/commands/doctor.js';
import { parseConfig } from '../../src/core/config.js';
import { shellQuote } from '../../src/core/shell.js';
import { HostPool } from '../../src/hosts/pool.js';
import { doctor, type AgentCheck, type DoctorReport } from '../../src/sessions/doctor.js';
import { installed, REAL_AGENT_VERSIONS, REAL_AGENTS, REAL_AGENTS_BIN, skipReason, type RealAgent, type RealAgentName } from '../agents/real/agents.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { makeTempDir } from '../support/tmp.js';

/**
 * Issue 15 point 5 on real hosts (the local one and a loopback sshd), with
 * the real host scripts and the real agents from .cache/real-agents: `ao
 * doctor` says per agent whether it is installed, its version, and whether it
 * will start without a first-run screen or a login. A fresh home is not
 * ready, and the need is named; the operator settings the real-agent tests
 * use (test/agents/real/agents.ts `prepare`) make it ready.
 */

const NAMES = Object.keys(REAL_AGENTS) as RealAgentName[];
const present = NAMES.filter((name) => installed(REAL_AGENTS[name]));

/** What a fresh home is missing, agent by agent (OpenCode has no first-run screen: it is ready, with a note). */
const FRESH: Record<RealAgentName, { ready: boolean; needs: RegExp[]; notes?: RegExp[] }> = {
  'claude-code': { ready: false, needs: [/^onboarding: .*hasCompletedOnboarding/, /^credentials: none/] },
  codex: { ready: false, needs: [/^sign-in: .*Sign in with ChatGPT/] },
  gemini: { ready: false, needs: [/^auth: no security\.auth\.selectedType/, /^trust: .* is not trusted/] },
  opencode: { ready: true, needs: [], notes: [/^provider: /] },
};

/** An operator's agentCommand: the agent's environment in front of the adapter's own command. */
function agentCommand(agent: RealAgent, env: Record<string, string>): string {
  const defaults = getAdapter(agent.adapter).launchCommand({ sessionId: 'x-1', worktree: '/' }).split(' ');
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${shellQuote(value)}`);
  return ['env', ...assignments, path.join(REAL_AGENTS_BIN, defaults[0]!), ...defaults.slice(1)].join(' ');
}

function homeEnv(home: string): Record<string, string> {
  return { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local', 'share'), LANG: 'C.UTF-8' };
}

let temp: ReturnType<typeof makeTempDir>;
let sshd: TestSshd;
let report: DoctorReport;
let pool: HostPool;

beforeAll(async () => {
  temp = makeTempDir('ao-doctor-agents');
  sshd = await startSshd();
  const dir = realpathSync(temp.dir);
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const projects: Record<string, unknown>[] = [];
  const project = (name: string, agent: string, command: string) =>
    projects.push({ repo: `acme/${name}`, name, prefix: `p${projects.length + 1}`, url: 'https://github.com/acme/x.git', agent, agentCommand: command });
  for (const name of present) {
    const agent = REAL_AGENTS[name];
    const fresh = path.join(dir, `${name}-fresh`);
    mkdirSync(fresh, { recursive: true });
    project(`${name}-fresh`, name, agentCommand(agent, homeEnv(fresh)));
    // The operator's settings, as the real-agent tests write them (the model server's address does not matter here).
    const home = path.join(dir, `${name}-home`);
    mkdirSync(home, { recursive: true });
    const env = agent.prepare({ home, worktree: '/not/a/worktree', worktreesRoot: dataDir, repoRoot: '/not/a/repo', modelUrl: 'http://127.0.0.1:9' });
    project(`${name}-ready`, name, agentCommand(agent, { ...homeEnv(home), ...env }));
  }
  project('absent', 'gemini', 'gemini-not-installed-here --model x');
  const config = parseConfig({ instance: 'doctor', dataDir, hosts: [{ name: 'local', local: true }, sshd.hostConfig()], projects });
  pool = new HostPool(config);
  report = await doctor(pool);
}, 240_000);

afterAll(async () => {
  await pool?.close();
  await sshd?.stop();
  temp?.cleanup();
});

const agentOn = (host: string, project: string): AgentCheck => {
  const found = report.hosts.find((h) => h.name === host)?.agents.find((a) => a.projects.includes(project));
  if (!found) throw new Error(`no agent for ${project} on ${host}: ${JSON.stringify(report.hosts.map((h) => h.problems))}`);
  return found;
};

describe.each(['local', 'ssh1'])('ao doctor on %s: the agents the projects run', (host) => {
  for (const name of NAMES) {
    const agent = REAL_AGENTS[name];
    const ok = installed(agent);
    const title = (what: string) => (ok ? what : `${what} [skipped: ${skipReason(agent)}]`);

    it.skipIf(!ok)(title(`${name} with a fresh home: ${FRESH[name].ready ? 'ready, with a note' : 'not ready, the need named'}`), () => {
      const check = agentOn(host, `${name}-fresh`);
      expect(check).toMatchObject({ agent: name, installed: true, version: REAL_AGENT_VERSIONS[name], ready: FRESH[name].ready });
      expect(check.needs).toHaveLength(FRESH[name].needs.length);
      FRESH[name].needs.forEach((need, i) => expect(check.needs[i]).toMatch(need));
      for (const note of FRESH[name].notes ?? []) expect(check.notes.some((n) => note.test(n)), check.notes.join('\n')).toBe(true);
      const problems = report.hosts.find((h) => h.name === host)!.problems.filter((p) => p.includes(`for ${name}-fresh)`));
      expect(problems).toHaveLength(check.needs.length);
      for (const p of problems) expect(p).toContain('will not start unattended');
    });

    it.skipIf(!ok)(title(`${name} with the operator's settings: ready, with its version`), () => {
      const check = agentOn(host, `${name}-ready`);
      expect(check, JSON.stringify(check)).toMatchObject({ agent: name, installed: true, version: REAL_AGENT_VERSIONS[name], ready: true, needs: [], notes: [] });
    });
  }

  it('an agent that is not installed: installed false, with its install hint, and the host fails', () => {
    const check = agentOn(host, 'absent');
    expect(check).toMatchObject({ agent: 'gemini', program: 'gemini-not-installed-here', installed: false, path: null, installHint: 'npm install -g @google/gemini-cli' });
    expect(check.version).toBeUndefined();
    expect(check.ready).toBe(false);
    const h = report.hosts.find((x) => x.name === host)!;
    expect(h.reachable).toBe(true);
    expect(h.ok).toBe(false);
    expect(h.problems.join('\n')).toMatch(/agent program "gemini-not-installed-here" \(gemini, for absent\) is not installed: install it \(npm install -g @google\/gemini-cli\)/);
  });
});

describe('ao doctor: the report', () => {
  it('fails (exit 1) when an agent is missing or not ready, and says per agent what it found', () => {
    expect(report.ok).toBe(false);
    expect(doctorCommand.exitCode!(report)).toBe(1);
    const text = doctorCommand.render(report);
    expect(text).toContain('gemini-not-installed-here (missing)');
    for (const name of present) {
      const bin = path.join(REAL_AGENTS_BIN, REAL_AGENTS[name].bin);
      expect(text).toContain(`${bin} ${REAL_AGENT_VERSIONS[name]} ready`);
      if (!FRESH[name].ready) expect(text).toContain(`${bin} ${REAL_AGENT_VERSIONS[name]} NOT READY`);
    }
    if (present.includes('claude-code')) expect(text).toMatch(/local: agent program ".*claude" \(claude-code, for claude-code-fresh\) will not start unattended: onboarding: /);
    if (present.includes('opencode')) expect(text).toMatch(/local: note: agent program ".*opencode" \(opencode, for opencode-fresh\): provider: /);
  });

  it('the JSON document has it', () => {
    const doc = JSON.parse(JSON.stringify(report)) as DoctorReport;
    for (const host of doc.hosts) for (const agent of host.agents) expect(agent).toEqual(expect.objectContaining({ installed: expect.any(Boolean), needs: expect.any(Array), notes: expect.any(Array) }));
  });
});
