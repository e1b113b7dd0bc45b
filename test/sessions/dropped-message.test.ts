import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdapter } from '../../src/agents/index.js';
import { genericAdapter } from '../../src/agents/generic.js';
import { killSession } from '../../src/sessions/kill.js';
import { spawnSession } from '../../src/sessions/spawn.js';
import { messages, readAgentLog } from '../support/agent-log.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';

/**
 * A full-screen agent still setting up can show a pasted task and then reset
 * its input box: the task never reaches it, though the paste was seen and
 * Enter pressed (OpenCode did this to 2 of 12 spawns in the real-agent
 * bench, on a loaded host). The fake agent plays it (FAKE_AGENT_DROP_FIRST:
 * the first message submitted is dropped and the screen redrawn as at
 * start): send sees the screen come back as it was and sends again, once.
 */

let rig: SessionRig;

beforeAll(async () => {
  // The fake agent as a full-screen agent (it settles): the generic reading of its screen, a settle time.
  registerAdapter({ ...genericAdapter, name: 'fake-tui', description: 'the fake agent, read as a full-screen agent', settleMs: 300 }, { replace: true });
  rig = await startRig({ ssh: true, project: { agent: 'fake-tui' }, agent: { env: { FAKE_AGENT_DROP_FIRST: '1' } } });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

describe('a task the agent dropped', () => {
  it.each(['local', 'ssh1'])('on %s: sent again, and it arrives once', async (host) => {
    const before = readAgentLog(rig.agentLog).length;
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'fake:write dropped.txt 1', host });
    await waitFor(() => messages(rig.agentLog).some((m) => m.includes('fake:write dropped.txt 1') && m.includes(s.id)), 30_000, 'the task in the agent');
    const log = readAgentLog(rig.agentLog).slice(before);
    // Dropped once, then taken once.
    expect(log.filter((e) => 'dropped' in e)).toHaveLength(1);
    expect(log.filter((e) => typeof e.text === 'string')).toHaveLength(1);
    const events = await rig.orch.store(host).readEvents('demo', { session: s.id });
    expect(events.filter((e) => e.type === 'message_not_taken')).toHaveLength(1);
    await killSession(rig.orch, s.id, { force: true });
  });
});
