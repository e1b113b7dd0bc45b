import { describe, expect, it } from 'vitest';
import { deriveActivity, isReadyForMessage, mayTakeMessage, REPORT_LEAD_SEC, stripAnsi, type ActivityEvidence, type PaneReading } from '../../src/core/activity.js';
import { ACTIVITIES, type Activity } from '../../src/core/model.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const SETTLE = 2;
const IDLE_AFTER = 300;

function evidence(paneState: PaneReading, quietSec: number, over: Partial<ActivityEvidence> = {}): ActivityEvidence {
  return {
    alive: true,
    agentExited: false,
    paneState,
    lastOutputAt: NOW - quietSec * 1000,
    now: NOW,
    idleAfterSec: IDLE_AFTER,
    settleSec: SETTLE,
    ...over,
  };
}

describe('deriveActivity', () => {
  it.each<[string, ActivityEvidence, Activity]>([
    // Gone or exited wins over anything the pane still shows.
    ['tmux gone', evidence('busy', 0, { alive: false }), 'exited'],
    ['agent exited in a live pane', evidence('waiting_input', 0, { agentExited: true }), 'exited'],
    ['agent exited, pane says ready', evidence('ready', 1000, { agentExited: true }), 'exited'],
    // A question for a human, however old.
    ['permission prompt just drawn', evidence('waiting_input', 0), 'waiting_input'],
    ['permission prompt for an hour', evidence('waiting_input', 3600), 'waiting_input'],
    // An error it stopped at.
    ['error just shown', evidence('error', 0), 'blocked'],
    ['error long ago', evidence('error', 3600), 'blocked'],
    // A busy indicator is believed, even when the pane has been still.
    ['spinning', evidence('busy', 0), 'active'],
    ['busy but quiet past idle', evidence('busy', IDLE_AFTER + 60), 'active'],
    // A recognised prompt is believed at once; unknown screens must settle first.
    ['ready, output just now', evidence('ready', 0), 'ready'],
    ['unknown, still settling', evidence('unknown', SETTLE - 0.001), 'active'],
    ['unknown, settled exactly', evidence('unknown', SETTLE), 'ready'],
    ['ready, settled', evidence('ready', 10), 'ready'],
    ['unknown, just short of idle', evidence('unknown', IDLE_AFTER - 0.001), 'ready'],
    ['ready, idle exactly', evidence('ready', IDLE_AFTER), 'idle'],
    ['unknown, quiet for long', evidence('unknown', IDLE_AFTER * 10), 'idle'],
    // Host clock ahead of ours: output "in the future" is fresh output.
    ['output stamped in the future', evidence('unknown', -30), 'active'],
    // No timestamp at all: nothing shows it moved.
    ['no last-output time', evidence('unknown', 0, { lastOutputAt: Number.NaN }), 'idle'],
  ])('%s -> %s', (_name, input, expected) => {
    expect(deriveActivity(input)).toBe(expected);
  });

  // The agent's own report (its hooks, or its log) beside the screen.
  const report = (state: PaneReading, ageSec: number) => ({ report: { state, at: NOW - ageSec * 1000 } });
  it.each<[string, ActivityEvidence, Activity]>([
    // The hook comes before the dialog is drawn: believed over a screen that still shows work...
    ['hook: permission just asked, screen still busy', evidence('busy', 0, report('waiting_input', 0)), 'waiting_input'],
    ['hook: permission asked, screen at its prompt', evidence('ready', 0, report('waiting_input', REPORT_LEAD_SEC - 0.001)), 'waiting_input'],
    ['hook: permission asked, screen shows an error', evidence('error', 0, report('waiting_input', 1)), 'waiting_input'],
    // ...for a few seconds: by then a dialog that is up is on screen, and one that was answered is gone.
    ['hook: permission asked long enough ago, screen busy', evidence('busy', 0, report('waiting_input', REPORT_LEAD_SEC)), 'active'],
    ['hook: permission asked long ago, screen ready', evidence('ready', 30, report('waiting_input', 600)), 'ready'],
    // The screen's question is believed whatever the hook said last.
    ['screen asks, hook says working', evidence('waiting_input', 0, report('busy', 0)), 'waiting_input'],
    ['screen asks, hook says done', evidence('waiting_input', 0, report('ready', 0)), 'waiting_input'],
    // A recognised screen beats the hook's busy/ready (an interrupt fires no hook).
    ['screen ready, hook still says working', evidence('ready', 10, report('busy', 10)), 'ready'],
    ['screen busy, hook says done', evidence('busy', 0, report('ready', 0)), 'active'],
    // A screen that says nothing: the report fills in.
    ['unknown screen, hook: working', evidence('unknown', 100, report('busy', 100)), 'active'],
    ['unknown screen, hook: done', evidence('unknown', 100, report('ready', 100)), 'ready'],
    ['unknown screen, hook: done long ago', evidence('unknown', IDLE_AFTER * 2, report('ready', IDLE_AFTER * 2)), 'idle'],
    ['unknown screen, hook: question, however old', evidence('unknown', 3600, report('waiting_input', 3600)), 'waiting_input'],
    ['unknown screen, log: error', evidence('unknown', 60, report('error', 60)), 'blocked'],
    // A stale "working" is demoted by the timer: never working for days.
    ['unknown screen, hook: working, just short of idle', evidence('unknown', IDLE_AFTER, report('busy', IDLE_AFTER - 0.001)), 'active'],
    ['unknown screen, hook: working, stale', evidence('unknown', IDLE_AFTER, report('busy', IDLE_AFTER)), 'idle'],
    ['unknown screen, hook: working three days ago', evidence('unknown', 3 * 86_400, report('busy', 3 * 86_400)), 'idle'],
    ['unknown screen, stale hook, but the pane just moved', evidence('unknown', 0, report('busy', 3 * 86_400)), 'active'],
    // The report is output too: it moves the quiet time.
    ['unknown screen quiet long, a report without news just now', evidence('unknown', IDLE_AFTER * 2, report('ready', 1)), 'ready'],
    // Exit wins over any report.
    ['exited, hook says asking', evidence('unknown', 0, { agentExited: true, ...report('waiting_input', 0) }), 'exited'],
    // A report from a host clock ahead of ours is fresh, not from the future.
    ['hook stamped in the future', evidence('busy', 0, report('waiting_input', -30)), 'waiting_input'],
    ['report without a time is no report', evidence('unknown', IDLE_AFTER * 2, { report: { state: 'busy', at: Number.NaN } }), 'idle'],
  ])('%s -> %s', (_name, input, expected) => {
    expect(deriveActivity(input)).toBe(expected);
  });

  it('returns only activities of the model, with any report', () => {
    const states: PaneReading[] = ['busy', 'ready', 'waiting_input', 'error', 'unknown'];
    for (const paneState of states) {
      for (const reported of states) {
        for (const age of [0, REPORT_LEAD_SEC, IDLE_AFTER, 10_000]) {
          expect(ACTIVITIES).toContain(deriveActivity(evidence(paneState, age, report(reported, age))));
        }
      }
    }
  });

  it('returns only activities of the model', () => {
    const states: PaneReading[] = ['busy', 'ready', 'waiting_input', 'error', 'unknown'];
    for (const paneState of states) {
      for (const quiet of [0, 1, SETTLE, 60, IDLE_AFTER, 10_000]) {
        for (const alive of [true, false]) {
          expect(ACTIVITIES).toContain(deriveActivity(evidence(paneState, quiet, { alive })));
        }
      }
    }
  });
});

describe('isReadyForMessage', () => {
  it.each<[Activity, boolean]>([
    ['ready', true],
    ['idle', true],
    ['active', false],
    ['waiting_input', false],
    ['blocked', true],
    ['exited', false],
  ])('%s -> %s', (activity, ready) => {
    expect(isReadyForMessage(activity)).toBe(ready);
  });

  it('has an answer for every activity', () => {
    expect(ACTIVITIES.filter(isReadyForMessage)).toEqual(['ready', 'idle', 'blocked']);
  });
});

describe('mayTakeMessage', () => {
  const base = { activity: 'ready' as Activity, blank: false, recognised: true, fullScreen: false, stillMs: 0, slowReadyMs: 15_000 };
  it.each([
    ['a line agent at its prompt', {}, true],
    ['a busy agent, however still', { activity: 'active' as Activity, stillMs: 60_000 }, false],
    ['an agent asking a question', { activity: 'waiting_input' as Activity, stillMs: 60_000 }, false],
    ['a blank pane, quiet a moment: still starting', { blank: true, stillMs: 3_000 }, false],
    ['a blank pane, quiet a long time: an agent that draws nothing', { blank: true, stillMs: 15_000 }, true],
    ['a full-screen agent at a prompt it recognises', { fullScreen: true }, true],
    ['a full-screen agent on a screen it does not recognise', { fullScreen: true, recognised: false, stillMs: 5_000 }, false],
    ['the same, still for long', { fullScreen: true, recognised: false, stillMs: 15_000 }, true],
    ['a blank full-screen pane', { fullScreen: true, blank: true, recognised: false, stillMs: 14_999 }, false],
    ['an error the agent is back from (blocked)', { activity: 'blocked' as Activity }, true],
  ])('%s', (_, over, expected) => {
    expect(mayTakeMessage({ ...base, ...over })).toBe(expected);
  });
});

describe('stripAnsi', () => {
  it.each([
    ['plain text', 'plain text'],
    ['\x1b[1;32mgreen\x1b[0m bold', 'green bold'],
    ['\x1b[38;2;153;153;153m❯\x1b[39m ', '❯ '],
    ['\x1b]0;window title\x07after title', 'after title'],
    ['\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['\x1b[2K\r⠋ Working...', '\r⠋ Working...'],
    ['\x1b[?2004hbracketed\x1b[?2004l', 'bracketed'],
    ['\x1b(Bcharset\x1b7saved\x1b8', 'charsetsaved'],
    ['\x1bP1$r0m\x1b\\after dcs', 'after dcs'],
    ['\x9b31mred (8-bit CSI)\x9b0m', 'red (8-bit CSI)'],
    ['ünïcødé ✓ 🚀 日本 stays', 'ünïcødé ✓ 🚀 日本 stays'],
    ['[not an escape] (y/n)', '[not an escape] (y/n)'],
  ])('%j -> %j', (input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
  });
});
