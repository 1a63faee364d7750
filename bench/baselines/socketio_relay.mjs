// Minimal Node socket.io co-browse relay (the benchmark's baseline): websocket only,
// the same events as coview. A customer emits "events" (header, batch); everyone else
// in the session's room gets it. Usage: node socketio_relay.mjs <port>
import { createRequire } from "node:module";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 8766);
const io = new Server(port, { transports: ["websocket"], maxHttpBufferSize: 8e6 });
io.on("connection", (socket) => {
  const { session, role } = socket.handshake.auth;
  socket.join(session);
  if (role === "customer") {
    socket.on("events", (header, batch) => {
      socket.to(session).emit("events", header, batch);
      socket.emit("ack", { seq: header.seq });
    });
  }
});
console.log("ready");
