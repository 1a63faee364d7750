/** What the server answers a call request with (Socket.IO ack): kept apart from
 * index.ts so the modules index.ts imports (agent-tools.ts) can use it without an
 * import loop. */
export interface Ack {
  ok: boolean;
  error?: { code: string; message: string };
  [field: string]: unknown;
}
