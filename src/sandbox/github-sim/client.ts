// Drives a simulator running in another process through its `/_sim` routes,
// with the same method names and arguments as the in-process scenario API.

import type { GitHubSimulator, ScenarioMethod } from './simulator.js';
import type { DeliveryRecord } from './webhooks.js';
import type { RecordedRequest } from './recorder.js';

type Promisified<T> = T extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

export type SimulatorClient = { [K in ScenarioMethod]: Promisified<GitHubSimulator[K]> } & {
  deliveries(filter?: { event?: string; action?: string }): Promise<Omit<DeliveryRecord, 'body'>[]>;
  idle(): Promise<void>;
  redeliver(id: number): Promise<Omit<DeliveryRecord, 'body'>>;
  requests(): Promise<RecordedRequest[]>;
};

async function call(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
  const json = (await response.json()) as { result?: unknown; error?: string };
  if (!response.ok) throw new Error(`GitHub simulator: ${json.error ?? response.statusText}`);
  return 'result' in json ? json.result : json;
}

export function connectGitHubSimulator(baseUrl: string): SimulatorClient {
  const base = baseUrl.replace(/\/+$/, '');
  const extras = {
    deliveries: (filter: { event?: string; action?: string } = {}) => {
      const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as [string, string][]);
      return call(`${base}/_sim/deliveries?${query}`);
    },
    idle: () => call(`${base}/_sim/deliveries/idle`, { method: 'POST', body: '{}' }),
    redeliver: (id: number) => call(`${base}/_sim/deliveries/${id}/redeliver`, { method: 'POST', body: '{}' }),
    requests: () => call(`${base}/_sim/requests`),
  };
  return new Proxy(extras as unknown as SimulatorClient, {
    get(target, property) {
      if (typeof property !== 'string') return undefined;
      if (property in target) return (target as unknown as Record<string, unknown>)[property];
      if (property === 'then') return undefined; // not a thenable
      return (...args: unknown[]) => call(`${base}/_sim/call/${property}`, { method: 'POST', body: JSON.stringify({ args }) });
    },
  });
}
