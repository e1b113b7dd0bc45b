// Drives a simulator running in another process through its `/_sim` routes,
// with the same method names and arguments as the in-process scenario API.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

/**
 * One request on a fresh connection: a kept-alive socket that the simulator
 * closes as idle just as a loaded client reuses it would fail a scenario
 * step that never reached the simulator.
 */
function call(url: string, init: { method?: string; body?: string } = {}): Promise<unknown> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: init.method ?? 'GET', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result?: unknown; error?: string };
          if ((res.statusCode ?? 500) >= 400) return reject(new Error(`GitHub simulator: ${json.error ?? res.statusMessage}`));
          resolve('result' in json ? json.result : json);
        } catch (error) {
          reject(new Error(`GitHub simulator: ${res.statusCode} with a body that is not JSON (${(error as Error).message})`));
        }
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
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
