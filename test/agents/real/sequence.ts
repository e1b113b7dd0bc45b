import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdapter } from '../../../src/agents/index.js';
import { shellQuote } from '../../../src/core/shell.js';
import { killSession } from '../../../src/sessions/kill.js';
import { observeSessions } from '../../../src/sessions/list.js';
import { restoreSession } from '../../../src/sessions/restore.js';
import { sendMessage } from '../../../src/sessions/send.js';
import { spawnSession } from '../../../src/sessions/spawn.js';
import type { SessionState } from '../../../src/sessions/view.js';
import { requestText, runShell, say, slow, startModelServer, type ModelServer } from '../../support/model-server.js';
import { startRig, waitFor, type SessionRig } from '../../support/rig.js';
import { installed, REAL_AGENT_VERSIONS, REAL_AGENTS_BIN, skipReason, type RealAgent } from './agents.js';

/**
 * Point 3 of issue 15 through ao itself: the real agent spawned by ao on a
 * runner host (the local machine, or a loopback sshd), read by ao's own
 * snapshot (screen, hooks, transcripts), messaged by ao's send, restored by
 * ao's restore. The model server plays the model.
 *
 * The operator's part is what README "Agents on a runner host" says: the
 * agent's settings in its home and its environment on its command line
 * (agentCommand). The per-worktree trust a fresh worktree needs is spawn's.
 */

export interface SequenceStory {
  /** The agent's own permission question for a shell command. */
  permissionQuestion: RegExp;
  /** The agent is started with ao's hooks (the default), or with them turned off (the screen alone tells). */
  hooks: boolean;
  /**
   * Claude Code only: between its hook and its dialog the agent is frozen (an
   * operator's PermissionRequest hook stops it), so ao's look at that moment
   * shows what the hook is worth: with ao's hooks it already says
   * needs_input, without them it cannot.
   */
  freezeAtPermission?: boolean;
  /** Tokens the agent's own transcripts count (Claude Code, Codex with hooks). */
  tokens?: boolean;
  /** The agent counts its cost too (Claude Code). */
  cost?: boolean;
  startTimeoutMs?: number;
}

const STEP = 45_000;

/** The rig's sessions as ao sees them in one refresh (one round trip per host). */
async function look(rig: SessionRig, id: string): Promise<SessionState> {
  const observed = await observeSessions(rig.orch, { github: false });
  const state = observed.states.find((s) => s.view.id === id);
  if (!state) throw new Error(`no session ${id}`);
  return state;
}

async function lookUntil(rig: SessionRig, id: string, what: string, ok: (s: SessionState) => boolean, timeoutMs = STEP): Promise<SessionState> {
  let last: SessionState | undefined;
  return waitFor(
    async () => {
      last = await look(rig, id);
      return ok(last) ? last : undefined;
    },
    timeoutMs,
    what,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; ao saw ${last ? `${last.view.status}/${last.view.activity}:\n${last.observation.paneLines.join('\n')}` : 'nothing'}`);
  });
}

/** At its prompt after a turn: ready, or idle already (the quiet time is short here). */
const atPrompt = (s: SessionState) => s.view.activity === 'ready' || s.view.activity === 'idle';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8' }).trim();

/**
 * The command line an operator writes for this agent on a host whose login
 * environment is not the agent's: its home, its PATH, its endpoint and key,
 * in front of the adapter's own command.
 */
function agentCommand(agent: RealAgent, env: Record<string, string>, wrapper: string[] = []): string {
  const defaults = getAdapter(agent.adapter).launchCommand({ sessionId: 'x-1', worktree: '/' }).split(' ');
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${shellQuote(value)}`);
  return ['env', ...assignments, ...wrapper.map(shellQuote), path.join(REAL_AGENTS_BIN, defaults[0]!), ...defaults.slice(1)].join(' ');
}

/** Test instrumentation: a terminal whose output a test can hold back. */
const HELD_TERMINAL = fileURLToPath(new URL('../../support/held-terminal.py', import.meta.url));

export function describeAoSequence(agent: RealAgent, host: 'local' | 'ssh', story: SequenceStory): void {
  const ok = installed(agent);
  const title = (name: string) => (ok ? name : `${name} [skipped: ${skipReason(agent)}]`);
  const hostName = host === 'ssh' ? 'ssh1' : 'local';
  const where = host === 'ssh' ? 'over SSH' : 'on the local host';

  describe(`${agent.adapter} ${REAL_AGENT_VERSIONS[agent.adapter]} through ao ${where} (${story.hooks ? 'with its hooks' : 'hooks off: the screen alone'})`, () => {
    let rig: SessionRig;
    let server: ModelServer;
    let home: string;
    let id: string;
    let worktree: string;
    let dataDir: string;
    const agentState = () => path.join(dataDir, 'test', 'demo', 'agent-state', id);
    const held = () => path.join(home, 'screen-held');

    /** A model request that did not come: what the pane and the event log show. */
    const explain = async (error: unknown): Promise<never> => {
      const events = readFileSync(path.join(dataDir, 'test', 'demo', 'events.jsonl'), 'utf8').split('\n').map((l) => l.slice(0, 300)).join('\n');
      throw new Error(`${String(error)}\n--- the pane ---\n${(await look(rig, id)).observation.paneLines.join('\n')}\n--- events ---\n${events}`);
    };

    beforeAll(async () => {
      if (!ok) return;
      server = await startModelServer();
      rig = await startRig({
        ssh: host === 'ssh',
        defaults: { idleAfterSec: 3, settleSec: 1, stuckAfterSec: 3600, agentHooks: story.hooks },
        project: { agent: agent.adapter, agentCommand: 'placeholder' },
      });
      home = path.join(realpathSync(rig.dir), 'agent-home');
      mkdirSync(home, { recursive: true });
      dataDir = realpathSync(path.join(rig.dir)) + (host === 'ssh' ? '/ssh-data' : '/local-data');
      // The operator's settings for a fresh host: no worktree is trusted (spawn does that), the
      // worktrees' folder trusted once where the agent trusts folders with their subfolders (Gemini CLI).
      const env = agent.prepare({ home, worktree: '/not/a/worktree', worktreesRoot: dataDir, repoRoot: '/not/a/repo', modelUrl: server.url });
      if (story.freezeAtPermission) {
        // The operator's own hook, beside ao's: before the tool's permission check (Claude Code
        // waits for it), it holds the agent's screen back (test/support/held-terminal.py). The
        // agent runs on, tells its hooks it asks for permission and draws its dialog, which
        // reaches the pane only when the test lets it.
        const settingsFile = path.join(home, '.claude', 'settings.json');
        const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
        const hold = `[ -e "${held()}.once" ] || { : > "${held()}.once"; : > "${held()}"; }`;
        settings.hooks = { PreToolUse: [{ hooks: [{ type: 'command', command: hold }] }] };
        writeFileSync(settingsFile, JSON.stringify(settings));
      }
      const command = agentCommand(agent, {
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, '.config'),
        XDG_DATA_HOME: path.join(home, '.local', 'share'),
        XDG_STATE_HOME: path.join(home, '.local', 'state'),
        XDG_CACHE_HOME: path.join(home, '.cache'),
        PATH: `${REAL_AGENTS_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        LANG: 'C.UTF-8',
        TERM: 'xterm-256color',
        NO_PROXY: '127.0.0.1,localhost',
        GIT_AUTHOR_NAME: 'Agent',
        GIT_AUTHOR_EMAIL: 'agent@example.invalid',
        GIT_COMMITTER_NAME: 'Agent',
        GIT_COMMITTER_EMAIL: 'agent@example.invalid',
        ...env,
        ...(story.freezeAtPermission ? { AO_HOLD_FILE: held() } : {}),
      }, story.freezeAtPermission ? ['python3', HELD_TERMINAL] : []);
      // The project as an operator configures it (the rig's config, this agent's command).
      const project = rig.config.projects[0]!;
      project.agentCommand = command;
    }, 60_000);

    afterAll(async () => {
      if (!ok) return;
      rmSync(held(), { force: true });
      if (id) await killSession(rig.orch, id, { force: true }).catch(() => undefined);
      await rig?.stop();
      await server?.close();
    }, 60_000);

    it.skipIf(!ok)(title('spawn delivers the task, the agent works (active), the turn ends (ready)'), { timeout: 120_000 }, async () => {
      server.script([slow(3, say('Read the task. STEP-ONE-DONE'))]);
      const spawned = await spawnSession(rig.orch, { project: 'demo', prompt: 'Fix issue #7: add notes.txt with the word hello, commit and push.', host: hostName, readyTimeoutSec: (story.startTimeoutMs ?? 60_000) / 1000 });
      id = spawned.id;
      worktree = spawned.worktree;
      expect(spawned.promptDelivered).toBe(true);
      // The model got the task prompt ao composed.
      const first = await server.waitForRequest((r) => r.main, STEP).catch(explain);
      expect(requestText(first)).toContain('Fix issue #7: add notes.txt');
      await lookUntil(rig, id, 'active while the model thinks', (s) => s.view.activity === 'active');
      const done = await lookUntil(rig, id, 'ready after the turn', (s) => atPrompt(s) && s.observation.paneLines.join('\n').includes('STEP-ONE-DONE'));
      expect(done.view.status).toBe('working');
    });

    it.skipIf(!ok)(title("a command that needs permission: needs_input within one look, with the agent's question; send refuses to type into it"), { timeout: 120_000 }, async () => {
      const command = 'printf hello > notes.txt && git add notes.txt && git commit -qm "Add notes" && git push -q origin HEAD';
      server.script([runShell(command, { description: 'Commit and push the notes' }), say('Committed and pushed. STEP-TWO-DONE')]);
      const before = server.mainRequests().length;
      const sent = await sendMessage(rig.orch, id, 'Go ahead with the commit.', { timeoutSec: 60 });
      expect(sent.delivered).toBe(true);
      await server.waitForRequest((r) => r.main && server.mainRequests().indexOf(r) >= before, STEP);

      if (story.freezeAtPermission) {
        // The agent has asked, its screen is held back: what does ao see?
        await waitFor(() => existsSync(held()), STEP, 'the screen to be held');
        if (story.hooks) await waitFor(() => readFileSync(path.join(agentState(), 'events'), 'utf8').includes('PermissionRequest'), STEP, "ao's hook to report the permission request");
        else await new Promise((r) => setTimeout(r, 2000));
        const frozen = await look(rig, id);
        const screen = getAdapter(agent.adapter).classify(frozen.observation.paneLines);
        // The screen does not show the question...
        expect(screen, frozen.observation.paneLines.join('\n')).not.toBe('waiting_input');
        expect(frozen.observation.paneLines.join('\n')).not.toMatch(story.permissionQuestion);
        if (story.hooks) {
          // ...yet ao already knows, from the hook, in the same look: needs_input, never working.
          expect(frozen.view).toMatchObject({ activity: 'waiting_input', status: 'needs_input' });
          expect(frozen.view.question).toMatch(/PermissionRequest \(Bash\)/);
        } else {
          // ...and without ao's hooks nothing else tells.
          expect(frozen.view.activity).toBe('active');
        }
        rmSync(held());
      }

      // The dialog on screen: needs_input, with the agent's own words and the command.
      const asking = await lookUntil(rig, id, 'the permission dialog', (s) => getAdapter(agent.adapter).classify(s.observation.paneLines) === 'waiting_input');
      expect(asking.view).toMatchObject({ activity: 'waiting_input', status: 'needs_input' });
      expect(asking.view.question).toMatch(story.permissionQuestion);
      expect(asking.view.question).toContain('notes.txt');
      // ao send will not press Enter into it: nothing typed, nothing answered.
      const pane = asking.observation.paneLines.join('\n');
      const refused = await sendMessage(rig.orch, id, 'This must not be typed into the dialog.', { timeoutSec: 5 });
      expect(refused).toMatchObject({ delivered: false, needsInput: true });
      expect(refused.question).toMatch(story.permissionQuestion);
      await new Promise((r) => setTimeout(r, 1000));
      const still = await look(rig, id);
      expect(still.view.activity).toBe('waiting_input');
      expect(still.observation.paneLines.join('\n')).not.toContain('must not be typed');
      expect(still.observation.paneLines.join('\n').length).toBeGreaterThan(0);
      expect(pane).not.toContain('must not be typed');
      expect(server.mainRequests().length).toBe(before + 1);
    });

    it.skipIf(!ok)(title('send --answer answers it; the agent goes on, commits and pushes'), { timeout: 120_000 }, async () => {
      // The first choice is "yes, this once" for every agent here: the answer is its number.
      const answered = await sendMessage(rig.orch, id, '1', { answer: true, timeoutSec: 10 });
      expect(answered.delivered).toBe(true);
      await lookUntil(rig, id, 'the turn after the answer', (s) => atPrompt(s) && s.observation.paneLines.join('\n').includes('STEP-TWO-DONE'));
      expect(git(worktree, 'log', '-1', '--format=%s')).toBe('Add notes');
      const branch = git(worktree, 'rev-parse', '--abbrev-ref', 'HEAD');
      expect(git(rig.origin.url, 'rev-parse', branch)).toBe(git(worktree, 'rev-parse', 'HEAD'));
      if (story.tokens) {
        // Every answer of the model server reports 100 tokens in and 20 out: the counts cover every
        // turn (the last one a moment after it ended), and no answer is counted twice.
        const turns = server.mainRequests().length;
        const answers = server.requests.filter((r) => r.method === 'POST' && /\/(?:messages|responses)(?:\?|$)/.test(r.url)).length;
        const seen = await lookUntil(rig, id, 'token counts of every turn', (s) => (s.view.tokens?.output ?? 0) >= 20 * turns, 20_000);
        expect(seen.view.tokens!.input + seen.view.tokens!.cacheRead).toBeGreaterThanOrEqual(100 * turns);
        expect(seen.view.tokens!.output).toBeLessThanOrEqual(20 * answers);
      }
    });

    it.skipIf(!ok)(title('idle after the quiet time; exited (errored) when the agent quits'), { timeout: 120_000 }, async () => {
      await lookUntil(rig, id, 'idle', (s) => s.view.activity === 'idle', 20_000);
      await sendMessage(rig.orch, id, agent.exitCommand, { timeoutSec: 30 });
      const exited = await lookUntil(rig, id, 'the agent to exit', (s) => s.view.activity === 'exited');
      // SPEC section 3, rule 2: an agent that exited (no PR merged) is errored, with the reason. The
      // pane wrapper records the exit status on the live pane, so ao's look tells "agent exited"
      // from "tmux gone"; deriveStatus gives errored in the same look that sees activity exited.
      expect(exited.view).toMatchObject({ status: 'errored', statusReason: 'agent process exited' });
      if (story.cost) {
        // Claude Code counts its cost and writes it down when it ends.
        const priced = await lookUntil(rig, id, 'the cost', (s) => (s.view.tokens?.cost ?? 0) > 0, 20_000);
        expect(priced.view.tokens!.cost).toBeLessThan(1);
      }
    });

    it.skipIf(!ok)(title('restore resumes the conversation'), { timeout: 120_000 }, async () => {
      server.script([say('Back where we were. RESUMED-DONE')]);
      const before = server.mainRequests().length;
      const restored = await restoreSession(rig.orch, id, { readyTimeoutSec: (story.startTimeoutMs ?? 60_000) / 1000 });
      expect(restored.resumed).toBe(true);
      // Restore tells the agent what came back: the model sees that message and the earlier conversation.
      const next = await server.waitForRequest((r) => r.main && server.mainRequests().indexOf(r) >= before, STEP).catch(explain);
      expect(requestText(next)).toContain('STEP-ONE-DONE');
      expect(requestText(next)).toContain('Fix issue #7: add notes.txt');
      await lookUntil(rig, id, 'ready after resuming', (s) => atPrompt(s) && s.observation.paneLines.join('\n').includes('RESUMED-DONE'));
    });
  });
}
