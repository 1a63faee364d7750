// Co-browse load generator (its own process): per session one customer socket that
// publishes rrweb-shaped batches and one viewer socket that receives them; reports
// relay latency (customer send -> viewer receive), delivery and its own CPU as JSON.
// Usage: node loadgen.mjs <coview|socketio> <url> <tokens.json> <sessions> <rate/s total> <seconds>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const WebSocket = require("ws");
const { io } = require("socket.io-client");

const [target, url, tokensPath, sessionsArg, rateArg, secondsArg] = process.argv.slice(2);
const sessions = Number(sessionsArg);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const tokens = JSON.parse(readFileSync(tokensPath, "utf8")).slice(0, sessions);

// ~2 KB batch: mouse moves, a text mutation, an input, a scroll (rrweb incremental events).
function batchEvents(now) {
  const events = [];
  for (let i = 0; i < 6; i++) {
    events.push({ type: 3, timestamp: now + i, data: { source: 1, positions: [
      { x: 100 + i, y: 200 + i, id: 42, timeOffset: -i * 10 },
      { x: 103 + i, y: 204 + i, id: 42, timeOffset: -i * 10 + 5 } ] } });
  }
  events.push({ type: 3, timestamp: now + 7, data: { source: 0, texts: [{ id: 77, value: "Total: 129.90 EUR" }],
    attributes: [{ id: 80, attributes: { class: "cart-badge cart-badge--active", "aria-label": "3 items" } }],
    removes: [], adds: [{ parentId: 90, nextId: null, node: { type: 2, tagName: "li", attributes: { class: "item" },
      childNodes: [{ type: 3, textContent: "Running shoes, size 42, blue", id: 92 }], id: 91 } }] } });
  events.push({ type: 3, timestamp: now + 8, data: { source: 5, text: "blue running shoes", isChecked: false, id: 57 } });
  events.push({ type: 3, timestamp: now + 9, data: { source: 3, id: 1, x: 0, y: 640 } });
  return events;
}
const SNAPSHOT = [{ type: 4, timestamp: Date.now(), data: { href: "http://shop.test/", width: 1280, height: 800 } },
  { type: 2, timestamp: Date.now(), data: { node: { type: 0, childNodes: [{ type: 2, tagName: "html", attributes: {},
    childNodes: [{ type: 3, textContent: "x".repeat(4000), id: 3 }], id: 2 }], id: 1 }, initialOffset: { top: 0, left: 0 } } }];
const EVENTS = batchEvents(Date.now());
const PAYLOAD = Buffer.from(JSON.stringify(EVENTS));
const SNAPSHOT_PAYLOAD = Buffer.from(JSON.stringify(SNAPSHOT));

const sentAt = tokens.map(() => new Map());
let sent = 0, received = 0, measuring = false;
const latencies = [];
const seqs = tokens.map(() => 0);

function onReceived(index, seq) {
  const t0 = sentAt[index].get(seq);
  if (t0 === undefined) return;
  sentAt[index].delete(seq);
  received++;
  if (t0 >= 0) latencies.push(performance.now() - t0); // sent inside the measured window
}

function coviewFrame(header, payload) {
  return Buffer.concat([Buffer.from(JSON.stringify(header) + "\n"), payload]);
}

async function connectCoview(index, token) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws/cobrowse?token=${token}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
  return ws;
}

async function setup() {
  const publishers = [];
  for (const [index, entry] of tokens.entries()) {
    if (target === "coview") {
      const customer = await connectCoview(index, entry.customer);
      customer.on("message", (data) => {
        if (data.indexOf('"snapshot-request"') >= 0) {
          customer.send(coviewFrame({ t: "events", seq: ++seqs[index], full: true }, SNAPSHOT_PAYLOAD));
        }
      });
      customer.send(coviewFrame({ t: "events", seq: ++seqs[index], full: true }, SNAPSHOT_PAYLOAD));
      const viewer = await connectCoview(index, entry.observer);
      viewer.on("message", (data) => {
        const end = data.indexOf(10);
        const header = JSON.parse(data.subarray(0, end < 0 ? data.length : end).toString());
        if (header.t === "events") onReceived(index, header.seq);
      });
      publishers.push(() => {
        const seq = ++seqs[index];
        sentAt[index].set(seq, measuring ? performance.now() : -1);
        customer.send(coviewFrame({ t: "events", seq }, PAYLOAD));
      });
    } else {
      const opts = (role) => ({ transports: ["websocket"], auth: { session: entry.session, role }, forceNew: true });
      const customer = io(url, opts("customer"));
      const viewer = io(url, opts("observer"));
      await Promise.all([customer, viewer].map((s) => new Promise((r) => s.once("connect", r))));
      viewer.on("events", (header) => onReceived(index, header.seq));
      publishers.push(() => {
        const seq = ++seqs[index];
        sentAt[index].set(seq, measuring ? performance.now() : -1);
        customer.emit("events", { t: "events", seq }, EVENTS);
      });
    }
  }
  return publishers;
}

const publishers = await setup();
await new Promise((r) => setTimeout(r, 300));
const cpu0 = process.cpuUsage();
const start = performance.now();
const warmup = 500;
let due = 0, next = 0, measuredSent = 0, measuredReceivedStart = 0;
const tickMs = 2;
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const elapsed = performance.now() - start;
    if (!measuring && elapsed >= warmup) {
      measuring = true; measuredReceivedStart = received; measuredSent = 0;
      console.log(JSON.stringify({ phase: "start" })); // the orchestrator samples server CPU
    }
    if (elapsed >= warmup + seconds * 1000) {
      console.log(JSON.stringify({ phase: "end" }));
      clearInterval(timer); resolve(); return;
    }
    // Paced by the clock, not by tick count: a late timer sends what is due since.
    due = rate * elapsed / 1000 - sent;
    while (due >= 1) {
      publishers[next]();
      next = (next + 1) % publishers.length;
      due -= 1; sent++; if (measuring) measuredSent++;
    }
  }, tickMs);
});
measuring = false;
const window = (performance.now() - start - warmup) / 1000;
await new Promise((r) => setTimeout(r, 1000)); // drain
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null;
const lost = sentAt.reduce((n, m) => n + [...m.values()].filter((t) => t >= 0).length, 0);
console.log(JSON.stringify({
  target, sessions, measured_sent: measuredSent, window_s: window, offered_per_s: measuredSent / window, delivered_per_s: latencies.length / window,
  delivery: measuredSent ? latencies.length / measuredSent : 0, p50_ms: pct(0.5), p99_ms: pct(0.99),
  undelivered: lost, loadgen_cpu_pct: 100 * (cpu.user + cpu.system) / 1000 / (performance.now() - start),
}));
process.exit(0);
