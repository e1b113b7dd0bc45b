import type { PaneReading } from '../core/activity.js';
import { AoError } from '../core/errors.js';
import type { AgentAdapter, PaneState } from './adapter.js';
import { aiderAdapter } from './aider.js';
import { claudeCodeAdapter } from './claude-code.js';
import { codexAdapter } from './codex.js';
import { geminiAdapter } from './gemini.js';
import { genericAdapter } from './generic.js';
import { opencodeAdapter } from './opencode.js';

export type { AgentAdapter, LaunchContext, PaneState } from './adapter.js';

// core/activity.ts declares the same union without importing from here; fail the build if they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const paneStatesAgree: Same<PaneState, PaneReading> = true;
void paneStatesAgree;

const ADAPTER_NAME = /^[a-z][a-z0-9-]*$/;

const adapters = new Map<string, AgentAdapter>();

/**
 * Add an agent kind (tests, plugins). A name that is taken is refused unless
 * `replace` is set, so two plugins cannot silently shadow each other.
 */
export function registerAdapter(adapter: AgentAdapter, options: { replace?: boolean } = {}): void {
  if (!ADAPTER_NAME.test(adapter.name)) {
    throw new AoError('usage', `invalid agent name "${adapter.name}"`, 'agent names are lowercase letters, digits and "-", starting with a letter');
  }
  if (adapters.has(adapter.name) && !options.replace) {
    throw new AoError('conflict', `agent "${adapter.name}" is already registered`, 'pass { replace: true } to replace it');
  }
  adapters.set(adapter.name, adapter);
}

for (const adapter of [genericAdapter, claudeCodeAdapter, codexAdapter, aiderAdapter, opencodeAdapter, geminiAdapter]) {
  registerAdapter(adapter);
}

// Names people naturally write for an agent whose adapter is named after the product.
const ALIASES: Readonly<Record<string, string>> = { claude: 'claude-code', 'gemini-cli': 'gemini' };

/** The adapter for an agent name from the configuration (projects[].agent). */
export function getAdapter(name: string): AgentAdapter {
  const adapter = adapters.get(name) ?? (Object.hasOwn(ALIASES, name) ? adapters.get(ALIASES[name]!) : undefined);
  if (!adapter) {
    throw new AoError('usage', `unknown agent "${name}"`, `known agents: ${[...adapters.keys()].join(', ')}`);
  }
  return adapter;
}

/** Every registered adapter, in registration order. */
export function listAdapters(): AgentAdapter[] {
  return [...adapters.values()];
}

/** Every name the configuration may use for an agent: registered adapters and their aliases. */
export function knownAgentNames(): string[] {
  return [...adapters.keys(), ...Object.keys(ALIASES).filter((a) => adapters.has(ALIASES[a]!))];
}
