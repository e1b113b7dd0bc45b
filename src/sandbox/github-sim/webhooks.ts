// Webhook deliveries as GitHub makes them: signed JSON POSTs with GitHub's
// headers, one at a time, each recorded with the receiver's answer. Tests
// await `idle()` instead of sleeping.

import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export type DeliveryOutcome = 'queued' | 'delivered' | 'failed' | 'not-sent';

export interface DeliveryRecord {
  /** Position in the log (GitHub's delivery id). */
  readonly id: number;
  /** `X-GitHub-Delivery`; a redelivery repeats the original's. */
  readonly guid: string;
  readonly event: string;
  readonly action: string | undefined;
  readonly payload: Record<string, unknown>;
  /** Exact bytes sent (and signed). */
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly redelivery: boolean;
  readonly queuedAt: string;
  url: string | undefined;
  outcome: DeliveryOutcome;
  statusCode?: number;
  durationMs?: number;
  error?: string;
  responseBody?: string;
}

export interface WebhookTarget {
  url?: string;
  secret?: string;
}

const DELIVERY_TIMEOUT_MS = 10_000; // GitHub gives receivers 10 seconds.

export function signWebhookBody(secret: string, body: string): { sha256: string; sha1: string } {
  return {
    sha256: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    sha1: `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
  };
}

export class WebhookDeliveries {
  private readonly log: DeliveryRecord[] = [];
  private lastId = 0;
  private readonly queue: { record: DeliveryRecord; resolve: () => void }[] = [];
  private readonly donePromises = new Map<number, Promise<void>>();
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(record: DeliveryRecord) => void>();
  private readonly hookshotVersion = randomBytes(3).toString('hex');

  constructor(
    private readonly target: WebhookTarget,
    private readonly hookId: number,
    private readonly appId: () => number | undefined,
  ) {}

  /** Where deliveries go; with no URL they are only logged. */
  configure(target: WebhookTarget): void {
    if ('url' in target) this.target.url = target.url;
    if ('secret' in target) this.target.secret = target.secret;
  }

  get url(): string | undefined {
    return this.target.url;
  }

  enqueue(event: string, payload: Record<string, unknown>): DeliveryRecord {
    return this.push(event, payload, randomUUID(), false, JSON.stringify(payload));
  }

  /** Sends a past delivery again with the same GUID and body, as GitHub's "Redeliver" does. */
  redeliver(id: number): DeliveryRecord {
    const original = this.log.find((record) => record.id === id);
    if (!original) throw new Error(`No delivery ${id}`);
    return this.push(original.event, original.payload, original.guid, true, original.body);
  }

  private push(event: string, payload: Record<string, unknown>, guid: string, redelivery: boolean, body: string): DeliveryRecord {
    const action = typeof payload.action === 'string' ? payload.action : undefined;
    const appId = this.appId();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `GitHub-Hookshot/${this.hookshotVersion}`,
      'x-github-event': event,
      'x-github-delivery': guid,
      'x-github-hook-id': String(this.hookId),
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(appId ?? 0),
    };
    if (this.target.secret) {
      const signature = signWebhookBody(this.target.secret, body);
      headers['x-hub-signature'] = signature.sha1;
      headers['x-hub-signature-256'] = signature.sha256;
    }
    const record: DeliveryRecord = {
      id: ++this.lastId,
      guid,
      event,
      action,
      payload,
      body,
      headers,
      redelivery,
      queuedAt: new Date().toISOString(),
      url: this.target.url,
      outcome: 'queued',
    };
    this.log.push(record);
    this.donePromises.set(record.id, new Promise<void>((resolve) => this.queue.push({ record, resolve })));
    this.running ??= this.drain();
    return record;
  }

  private async drain(): Promise<void> {
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        await this.send(next.record);
        next.resolve();
        for (const listener of this.listeners) listener(next.record);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async send(record: DeliveryRecord): Promise<void> {
    const url = record.url;
    if (!url) {
      record.outcome = 'not-sent';
      return;
    }
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: record.headers,
        body: record.body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      record.statusCode = response.status;
      record.responseBody = (await response.text()).slice(0, 2000);
      record.outcome = response.ok ? 'delivered' : 'failed';
    } catch (error) {
      record.outcome = 'failed';
      record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      record.durationMs = Math.round(performance.now() - started);
    }
  }

  /** Resolves once this delivery has been attempted. */
  async settled(record: DeliveryRecord): Promise<DeliveryRecord> {
    await this.donePromises.get(record.id);
    return record;
  }

  /** Resolves when nothing is queued or in flight, including deliveries queued meanwhile. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  list(filter: { event?: string; action?: string } = {}): DeliveryRecord[] {
    return this.log.filter((r) => (!filter.event || r.event === filter.event) && (!filter.action || r.action === filter.action));
  }

  get(id: number): DeliveryRecord | undefined {
    return this.log.find((record) => record.id === id);
  }

  /** Calls `listener` after each delivery attempt; returns an unsubscribe function. */
  onDelivery(listener: (record: DeliveryRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets past deliveries (ids keep counting up). */
  clear(): void {
    this.log.length = 0;
  }
}
