import { existsSync, readFileSync } from 'node:fs';

export interface AgentLogEntry {
  at: string;
  text?: string;
  answer?: string;
}

/** What the fake agent recorded: one entry per submitted message. */
export function readAgentLog(file: string): AgentLogEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AgentLogEntry);
}

export function messages(file: string): string[] {
  return readAgentLog(file)
    .filter((e) => e.text !== undefined)
    .map((e) => e.text!);
}
