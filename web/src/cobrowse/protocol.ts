// /ws/cobrowse framing (docs/protocol.md): a JSON header line, "\n", optional payload.

export type Header = { t: string; [field: string]: unknown };
export type FrameHandler = (header: Header, payload: string) => void;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeFrame(header: Header, payload?: string): Uint8Array {
  const head = JSON.stringify(header);
  return encoder.encode(payload === undefined ? head : head + "\n" + payload);
}

export function decodeFrame(data: ArrayBuffer | string): [Header, string] {
  const text = typeof data === "string" ? data : decoder.decode(data);
  const end = text.indexOf("\n");
  if (end < 0) return [JSON.parse(text) as Header, ""];
  return [JSON.parse(text.slice(0, end)) as Header, text.slice(end + 1)];
}

export function socketUrl(base: string | undefined, params: Record<string, string>): string {
  const origin = base || location.origin;
  const url = new URL("/ws/cobrowse", origin.replace(/^http/, "ws"));
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  return url.toString();
}

/** Close code of a socket whose session ended: do not reconnect (docs/protocol.md). */
export const SESSION_ENDED = 4001;
/** Close code 1012 "service restart": the node is draining; reconnect at once. */
export const DRAINING = 1012;

/** A socket that reconnects (1 s, 2 s, ... up to 10 s) until closed on purpose or
 * by the server because the session ended. */
export class CobrowseSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private retry = 0;
  onframe: FrameHandler = () => {};
  onopen: () => void = () => {};
  onclose: () => void = () => {};

  constructor(private url: string) {}

  open(): this {
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => { this.retry = 0; this.onopen(); };
    ws.onmessage = (event) => {
      const [header, payload] = decodeFrame(event.data as ArrayBuffer | string);
      this.onframe(header, payload);
    };
    ws.onclose = (event) => {
      this.ws = null;
      if (event.code === SESSION_ENDED) this.closed = true;
      if (event.code === DRAINING) this.retry = 0;
      this.onclose();
      if (this.closed) return;
      // at once after a drain (another node is up), then 1 s, 2 s, ... up to 10 s
      const delay = event.code === DRAINING ? 0 : Math.min(10_000, 1_000 * 2 ** this.retry++);
      setTimeout(() => { if (!this.closed) this.open(); }, delay);
    };
    this.ws = ws;
    return this;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(header: Header, payload?: string): boolean {
    if (!this.connected) return false;
    this.ws!.send(encodeFrame(header, payload));
    return true;
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}
