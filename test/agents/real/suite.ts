import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaneState } from '../../../src/agents/adapter.js';
import { askUser, fail, lastUserText, requestText, runShell, say, slow, type RecordedRequest } from '../../support/model-server.js';
import { installed, REAL_AGENT_VERSIONS, skipReason, type HostLayout, type RealAgent } from './agents.js';
import { AgentRun, questionLines, saveFixture } from './harness.js';

/**
 * The same story for every real agent, in real tmux, with the scripted model
 * server: what a fresh host shows without the operator's settings, then with
 * them: ready prompt, a pasted task (busy, then ready), a command that needs
 * permission (waiting_input, the question on screen, an answer lets it go
 * on), a question through its ask tool, a model error, and the exit.
 */

export interface FirstRunCase {
  label: string;
  /** What the host has (instead of the operator's full settings). Returns the pane's environment. */
  prepare: (layout: HostLayout) => Record<string, string>;
  /** A line of the first-run screen. */
  shows: RegExp;
  /** How the adapter must read it (default waiting_input: a human has to answer it). */
  expected?: PaneState;
}

export interface AgentStory {
  firstRun: FirstRunCase[];
  /** The agent's own permission question for a shell command. */
  permissionQuestion: RegExp;
  /** Whether the agent offers the model an ask-the-user tool in its default mode. */
  askTool: boolean;
  /** A model error the agent stops at (it does not retry it for long). */
  error: { status: number; message: string; shows: RegExp };
  /** How long the agent may take to show its prompt. */
  startTimeoutMs?: number;
}

const STEP_TIMEOUT = 30_000;
/** Per test: a start or a step may take its whole timeout on a loaded machine, and cleanup comes on top. */
const TEST_TIMEOUT = 120_000;

export function describeRealAgent(agent: RealAgent, story: AgentStory): void {
  const ok = installed(agent);
  const title = (name: string) => (ok ? name : `${name} [skipped: ${skipReason(agent)}]`);
  const startTimeout = story.startTimeoutMs ?? 45_000;

  describe(`${agent.adapter}: the real ${agent.bin} ${REAL_AGENT_VERSIONS[agent.adapter]} in tmux`, () => {
    describe('on a fresh host without all of the operator settings', () => {
      for (const firstRun of story.firstRun) {
        const expected = firstRun.expected ?? 'waiting_input';
        const name = expected === 'waiting_input' ? `stops at a first-run screen (${firstRun.label}), read as waiting_input` : `first screen (${firstRun.label}) is read as ${expected}`;
        it.skipIf(!ok)(title(name), { timeout: TEST_TIMEOUT }, async () => {
          const run = await AgentRun.start(agent, { prepare: firstRun.prepare });
          try {
            const lines = await run.waitForScreen((l) => l.some((line) => firstRun.shows.test(line)), startTimeout, `the ${firstRun.label} screen`);
            // Let it finish drawing before judging.
            await new Promise((resolve) => setTimeout(resolve, 500));
            const settled = run.lines();
            saveFixture(agent, expected, `first-run-${firstRun.label}`, settled);
            expect(run.classify(settled), settled.join('\n')).toBe(expected);
            expect(lines.length).toBeGreaterThan(0);
            // Nothing reached the model: the agent is stuck before any turn.
            expect(run.server.mainRequests()).toEqual([]);
          } finally {
            await run.stop();
          }
        });
      }
    });

    describe('with the operator settings', () => {
      let run: AgentRun;
      const mains = () => run.server.mainRequests();

      beforeAll(async () => {
        if (ok) run = await AgentRun.start(agent);
      }, TEST_TIMEOUT);
      afterAll(async () => {
        await run?.stop();
      }, TEST_TIMEOUT);

      it.skipIf(!ok)(title('starts at its ready prompt, with no first-run screen in the way'), { timeout: TEST_TIMEOUT }, async () => {
        const lines = await run.waitForState('ready', startTimeout);
        saveFixture(agent, 'ready', 'start', lines);
        expect(mains()).toEqual([]);
      });

      it.skipIf(!ok)(title('a pasted task makes it busy, and the end of the turn is ready'), { timeout: TEST_TIMEOUT }, async () => {
        const task = 'Fix issue #42: the login test fails.\nKeep the change small; `npm test` must pass.';
        run.server.script([slow(4, say('Looked at it: the turn is over. TURN-ONE-DONE'))]);
        await run.send(task);
        const busy = await run.waitForState('busy', STEP_TIMEOUT);
        saveFixture(agent, 'busy', 'thinking', busy);
        const done = await run.waitForScreen((l) => l.join('\n').includes('TURN-ONE-DONE') && run.classify(l) === 'ready', STEP_TIMEOUT, 'the answer and the prompt');
        saveFixture(agent, 'ready', 'turn-done', done);
        // The model got the task as pasted: both lines, in one message.
        const first = mains()[0]!;
        expect(lastUserText(first)).toContain('Fix issue #42: the login test fails.');
        expect(lastUserText(first)).toContain('Keep the change small; `npm test` must pass.');
        expect(mains()).toHaveLength(1);
      });

      it.skipIf(!ok)(title('a command that needs permission shows its own question (waiting_input); answering lets it go on'), { timeout: TEST_TIMEOUT }, async () => {
        const marker = path.join(run.worktree, 'permitted.txt');
        run.server.script([runShell(`echo permitted > ${marker}`, { description: 'Write the marker file' }), say('The marker file is written. PERMISSION-DONE')]);
        const before = mains().length;
        await run.send('Write the marker file, please.');
        const asking = await run.waitForState('waiting_input', STEP_TIMEOUT);
        saveFixture(agent, 'waiting_input', 'permission', asking);
        // The question a human is shown (ao's status view): the agent's own words and the command.
        const question = questionLines(asking).join('\n');
        expect(question).toMatch(story.permissionQuestion);
        expect(question).toContain('echo permitted');
        expect(existsSync(marker)).toBe(false);
        // It keeps asking: nothing moves while nobody answers.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(run.classify()).toBe('waiting_input');
        expect(mains()).toHaveLength(before + 1);

        // The first choice is "yes, this once" for every agent here.
        run.key('Enter');
        const done = await run.waitForScreen((l) => l.join('\n').includes('PERMISSION-DONE') && run.classify(l) === 'ready', STEP_TIMEOUT, 'the turn after the answer');
        saveFixture(agent, 'ready', 'after-permission', done);
        expect(readFileSync(marker, 'utf8').trim()).toBe('permitted');
        // The command's result went back to the model, tied to its call.
        const call = mains()[before]!;
        const result = mains()[before + 1]!;
        expect(call.callId).toBeDefined();
        expect(requestText(result)).toContain(call.callId!);
      });

      it.skipIf(!ok)(title('a model error it cannot get past is error'), { timeout: TEST_TIMEOUT }, async () => {
        run.server.script([fail(story.error.status, story.error.message, Number.POSITIVE_INFINITY)]);
        await run.send('Try once more.');
        const lines = await run.waitForScreen((l) => l.some((line) => story.error.shows.test(line)), STEP_TIMEOUT, 'the error on screen');
        const settled = await run.waitForState('error', STEP_TIMEOUT).catch(() => run.lines());
        saveFixture(agent, 'error', 'api-error', settled);
        expect(run.classify(settled), settled.join('\n')).toBe('error');
        expect(lines.length).toBeGreaterThan(0);
        run.server.script([]);
      });

      it.skipIf(!ok)(
        title(story.askTool ? 'a question through its ask tool is waiting_input; choosing an answer lets it go on' : 'a question in plain text ends the turn: ready for the answer'),
        { timeout: TEST_TIMEOUT },
        async () => {
          const before = mains().length;
          run.server.script([askUser('Which database should the session store use?', ['Postgres', 'SQLite'], 'Database'), say('Going with the answer. ASK-DONE')]);
          await run.send('Set up the session store.');
          if (!story.askTool) {
            const lines = await run.waitForScreen((l) => l.join('\n').includes('Which database should the session store use?') && run.classify(l) === 'ready', STEP_TIMEOUT, 'the question');
            saveFixture(agent, 'ready', 'question-in-text', lines);
            return;
          }
          const asking = await run.waitForState('waiting_input', STEP_TIMEOUT);
          saveFixture(agent, 'waiting_input', 'ask-user', asking);
          expect(questionLines(asking, 14).join('\n')).toContain('Postgres');
          // Dialogs ignore keys for a moment after they open (against a stray Enter).
          await new Promise((resolve) => setTimeout(resolve, 1500));
          run.key('Enter');
          await run.waitForScreen((l) => l.join('\n').includes('ASK-DONE') && run.classify(l) === 'ready', STEP_TIMEOUT, 'the turn after the answer');
          const answered = mains().slice(before).find((r: RecordedRequest) => r.turn?.type === 'text');
          expect(answered && lastUserText(answered)).toContain('Postgres');
        },
      );

      it.skipIf(!ok)(title('exits on its exit command'), { timeout: TEST_TIMEOUT }, async () => {
        run.type(agent.exitCommand);
        await run.waitForScreen((l) => l.join('\n').includes(agent.exitCommand), 10_000, 'the exit command typed');
        await new Promise((resolve) => setTimeout(resolve, 300));
        run.key('Enter');
        const status = await run.waitForScreen(() => run.exitStatus() !== undefined, STEP_TIMEOUT, 'the agent to exit').then(() => run.exitStatus());
        expect(status).toBe(0);
      });

      it.skipIf(!ok)(title('its resume command brings the conversation back'), { timeout: TEST_TIMEOUT }, async () => {
        run.resume();
        const lines = await run.waitForScreen((l) => run.classify(l) === 'ready', startTimeout, 'the resumed agent at its prompt');
        saveFixture(agent, 'ready', 'resumed', lines);
        const before = mains().length;
        run.server.script([say('Still here after the restart. RESUMED-DONE')]);
        await run.send('Where were we?');
        await run.waitForScreen((l) => l.join('\n').includes('RESUMED-DONE') && run.classify(l) === 'ready', STEP_TIMEOUT, 'the answer after resuming');
        // The model is sent the earlier conversation along with the new message.
        const next = mains()[before]!;
        expect(lastUserText(next)).toContain('Where were we?');
        expect(requestText(next)).toContain('TURN-ONE-DONE');
        expect(requestText(next)).toContain('Fix issue #42: the login test fails.');
      });
    });
  });
}
