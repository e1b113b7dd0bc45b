// A real HTTP webhook receiver for the simulator's tests: checks
// X-Hub-Signature-256 the way an app must, and keeps what it got.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly event: string;
  readonly action: string | undefined;
  readonly delivery: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly payload: Record<string, unknown>;
  readonly signatureValid: boolean;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Status to answer with (default 200). */
  respondWith: number;
  close(): Promise<void>;
}

export function verifySignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const actual = Buffer.from(header);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver = { url: '', received, respondWith: 200, close: async () => {} } as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const payload = JSON.parse(rawBody) as Record<string, unknown>;
      received.push({
        event: String(req.headers['x-github-event']),
        action: typeof payload.action === 'string' ? payload.action : undefined,
        delivery: String(req.headers['x-github-delivery']),
        headers: req.headers,
        rawBody,
        payload,
        signatureValid: verifySignature(secret, rawBody, req.headers['x-hub-signature-256'] as string | undefined),
      });
      res.writeHead(receiver.respondWith, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
