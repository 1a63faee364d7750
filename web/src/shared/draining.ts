import type { Socket } from "socket.io-client";

/** The node this socket is on is shutting down (docs/protocol.md "Draining"): drop the
 * transport now, so Socket.IO reconnects at once, through the load balancer, to a node
 * that is staying. A close of the transport (not `disconnect()`) keeps auto-reconnect. */
export function honourDraining(socket: Socket): void {
  socket.on("draining", () => socket.io.engine?.close());
}
