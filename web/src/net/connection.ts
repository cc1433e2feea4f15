// One WebSocket to parleyd speaking JSON text frames: requests matched to answers by req_id, events handed
// on. It does not reconnect; the client (src/client.ts) decides when to open a new one.
import type { ClientFrame, Event, ServerFrame } from '../proto';

export type RequestKey = Exclude<keyof ClientFrame, 'req_id'>;
export type RequestBody<K extends RequestKey> = NonNullable<ClientFrame[K]>;
export type ResponseBody<K extends RequestKey> = K extends keyof ServerFrame ? NonNullable<ServerFrame[K]> : never;

/** An error answer from the server (code from the protocol's closed set), or a local one. */
export class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const DISCONNECTED = 'DISCONNECTED';
export const TIMEOUT = 'TIMEOUT';

export interface ConnectionHandlers {
  onOpen(): void;
  onClose(code: number, reason: string): void;
  onEvent(event: Event): void;
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: RpcError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Connection {
  private ws: WebSocket;
  private nextReqId = 1;
  private pending = new Map<string, Pending>();
  private closed = false;

  constructor(
    url: string,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.ws = new WebSocket(url);
    this.ws.onopen = () => this.handlers.onOpen();
    this.ws.onmessage = (e) => this.onMessage(e.data);
    this.ws.onclose = (e) => this.finish(e.code, e.reason);
    this.ws.onerror = () => {
      /* a close event follows */
    };
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  call<K extends RequestKey>(key: K, body: RequestBody<K>, timeoutMs = 20_000): Promise<ResponseBody<K>> {
    if (!this.isOpen) return Promise.reject(new RpcError(DISCONNECTED, 'not connected'));
    const reqId = String(this.nextReqId++);
    const frame = { req_id: reqId, [key]: body } as ClientFrame;
    return new Promise<ResponseBody<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new RpcError(TIMEOUT, 'the server did not answer in time'));
      }, timeoutMs);
      this.pending.set(reqId, {
        timer,
        reject,
        resolve: (answer) => {
          if (answer.error) reject(new RpcError(String(answer.error.code), answer.error.message ?? ''));
          else resolve(((answer as Record<string, unknown>)[key] ?? {}) as ResponseBody<K>);
        },
      });
      this.ws.send(JSON.stringify(frame));
    });
  }

  close(): void {
    if (this.closed) return;
    try {
      this.ws.close(1000);
    } catch {
      /* already closing */
    }
    this.finish(1000, 'closed by the client');
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    if (frame.event) {
      this.handlers.onEvent(frame.event);
      return;
    }
    const p = frame.req_id ? this.pending.get(frame.req_id) : undefined;
    if (!p) return;
    this.pending.delete(frame.req_id!);
    clearTimeout(p.timer);
    p.resolve(frame);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RpcError(DISCONNECTED, 'the connection closed'));
    }
    this.pending.clear();
    this.handlers.onClose(code, reason);
  }
}
