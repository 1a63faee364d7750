// Socket.IO connects refused while the server's shared store (Redis) is away.
import type { Socket } from "socket.io-client";

export const RETRY_MS = 2000; // the server's Retry-After for the same condition

/** Whether an error ack says "the store is away, try again" (docs/protocol.md). */
export function isUnavailable(ack: { ok: boolean; error?: { code?: string } }): boolean {
  return !ack.ok && ack.error?.code === "unavailable";
}

/** While Redis is unreachable a node refuses Socket.IO connects with the code
 * "unavailable" (docs/protocol.md); socket.io-client does not retry a refused connect
 * by itself, so this does, until the node accepts. */
export function reconnectWhenUnavailable(socket: Socket): void {
  socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code !== "unavailable") return;
    setTimeout(() => {
      if (!socket.connected) socket.connect();
    }, RETRY_MS);
  });
}
