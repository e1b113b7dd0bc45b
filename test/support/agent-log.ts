import { readFakeAgentLog, type FakeAgentLogEntry } from './fake-agent.js';

export type AgentLogEntry = FakeAgentLogEntry & { text?: string; answer?: string };

export function readAgentLog(file: string): AgentLogEntry[] {
  return readFakeAgentLog(file) as AgentLogEntry[];
}

/** The messages the fake agent received, in order. */
export function messages(file: string): string[] {
  return readAgentLog(file)
    .filter((e) => typeof e.text === 'string')
    .map((e) => e.text!);
}
