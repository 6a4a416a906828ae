import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What a fake provider can be told to do to the next matching request:
 * - `500-before`: answer 500 without creating anything;
 * - `500-after`: create the refund, then answer 500 (the client saw an error; the refund exists);
 * - `timeout`: create the refund and answer only after `holdMs` (longer than the client waits);
 * - `429`: answer 429 without creating anything.
 */
export type Fault = '500-before' | '500-after' | 'timeout' | '429';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeReply {
  status: number;
  body: unknown;
  /** Hold the answer this long (a timeout as the client sees it). */
  delayMs?: number;
}

/** Plain node:http server on a free loopback port; `handle` answers each request. */
export abstract class FakeServer {
  private server: Server | null = null;
  private readonly faults: Fault[] = [];
  readonly requests: FakeRequest[] = [];
  holdMs = 3000;

  protected abstract handle(req: FakeRequest): FakeReply;

  /** The next request that may create a refund meets this fault (several: in order). */
  failNext(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  protected takeFault(): Fault | undefined {
    return this.faults.shift();
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const fr: FakeRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.requests.push(fr);
      let reply: FakeReply;
      try {
        reply = this.handle(fr);
      } catch (e) {
        reply = { status: 500, body: { error: String(e) } };
      }
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  }
}
