import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { verifyWebhookSignature, type SignatureVerdict } from '#shared/domain/ingestion/webhook-signature.js';

/**
 * A recording stand-in for Relais' `POST /webhook`, for tests and benchmarks that drive the sandbox without
 * the rest of the stack: it checks `X-Hub-Signature-256` on the raw bytes with Relais' own verifier, keeps
 * every POST, and answers with the status `respond` picks (200 by default).
 */
export interface ReceivedWebhook {
  readonly seq: number;
  readonly rawBody: Buffer;
  readonly signature: SignatureVerdict;
  readonly body: WebhookJson;
  /** What the receiver answered. */
  readonly answeredWith: number;
}

export interface WebhookJson {
  readonly object: string;
  readonly entry: ReadonlyArray<{
    readonly id: string;
    readonly time?: number;
    readonly changes: ReadonlyArray<{ readonly field: string; readonly value: Record<string, unknown> }>;
  }>;
}

/** A `statuses[]` item, loosely typed for assertions. */
export interface ReceivedStatus {
  readonly id: string;
  readonly status: string;
  readonly timestamp: string;
  readonly recipient_id?: string;
  readonly recipient_user_id?: string;
  readonly biz_opaque_callback_data?: string;
  readonly pricing?: { billable: boolean; pricing_model: string; type: string; category: string };
  readonly conversation?: { id: string; expiration_timestamp: string; origin: { type: string } };
  readonly errors?: ReadonlyArray<{ code: number; title: string; message: string; error_data: { details: string }; href: string }>;
  readonly contacts?: ReadonlyArray<Record<string, unknown>>;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Every POST, in arrival order (retries included). */
  received(): ReceivedWebhook[];
  /** Status items of the POSTs answered with 200, in arrival order. */
  statuses(): ReceivedStatus[];
  /** `value` of every change of `field` in the POSTs answered with 200. */
  values(field: string): Record<string, unknown>[];
  /** Picks the HTTP status for the n-th POST (1-based). */
  respondWith(respond: (n: number) => number): void;
  /** Polls until `predicate` holds, or fails after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { appSecret: string; path?: string }): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let respond: (n: number) => number = () => 200;
  const path = options.path ?? '/webhook';

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404).end();
        return;
      }
      const rawBody = Buffer.concat(chunks);
      const signature = verifyWebhookSignature(rawBody, req.headers['x-hub-signature-256'] as string | undefined, [options.appSecret]);
      const answeredWith = respond(received.length + 1);
      received.push({ seq: received.length + 1, rawBody, signature, body: JSON.parse(rawBody.toString('utf8')) as WebhookJson, answeredWith });
      res.writeHead(answeredWith, { 'content-type': 'text/plain' }).end(answeredWith === 200 ? 'EVENT_RECEIVED' : 'not now');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const accepted = (): ReceivedWebhook[] => received.filter((r) => r.answeredWith === 200);
  const values = (field: string): Record<string, unknown>[] =>
    accepted().flatMap((r) => r.body.entry.flatMap((e) => e.changes.filter((c) => c.field === field).map((c) => c.value)));

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received: () => [...received],
    statuses: () => values('messages').flatMap((v) => (v['statuses'] as ReceivedStatus[] | undefined) ?? []),
    values,
    respondWith: (fn) => {
      respond = fn;
    },
    waitFor: async <T>(probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = probe();
        if (result !== undefined && result !== false) return result;
        if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms (${received.length} POSTs received)`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
