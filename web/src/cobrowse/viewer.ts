/**
 * coview co-browse, agent side: the customer's live page in the console. Self-contained
 * (injects its own CSS); mount it in any sized container:
 *
 *   import { mountCobrowseViewer } from "/static/dist/cobrowse-viewer.js";
 *   const viewer = mountCobrowseViewer(element, { token, sessionId, lang: "es" });
 *   viewer.requestControl(); viewer.releaseControl(); viewer.navigate("/cart");
 *   viewer.setTool("pointer" | "highlight" | "draw" | "guide");
 *   viewer.destroy();
 *
 * Options: `token` (the agent's access token, or an observer's session token),
 * `sessionId`, `lang` (es|en|pt), `server` (coview's base URL when not this origin),
 * `onStatus(status)` with "waiting" | "live" | "control-pending" | "control" |
 * "control-ended" | "disconnected" | "ended" (the session is over) | "error".
 *
 * The page is rebuilt by rrweb's Replayer (live mode) inside an iframe sandboxed to
 * `allow-same-origin` only: no script of the customer's page runs in the console. It is
 * scaled to fill the container's width, up to 100 % (rescaled whenever the container or the
 * customer's viewport changes; the view is only as tall as the page drawn, and scrolls
 * when that is taller than the container) and follows the customer's scrolling,
 * resizing and navigation. A zoom control shows it to fit, at 100 % or around the
 * customer's pointer (`viewer.setZoom("fit" | "actual" | "pointer")`; `viewer.scale`). A transparent glass over it takes the agent's mouse: the pointer, a
 * highlight, freehand drawing or "guide to" (scrolls the customer's page to an
 * element); after the customer grants control, clicks, typing and the wheel act on
 * the customer's page. Observers (supervisors, observer invitees) only watch.
 */
import { keepCanvasesPainted } from "./canvas";
import { Replayer } from "@rrweb/replay";
import { translator } from "./i18n";
import { CobrowseSocket, type Header, socketUrl } from "./protocol";

export type ViewerTool = "pointer" | "highlight" | "draw" | "guide";
export type ViewerStatus =
  | "waiting" | "live" | "control-pending" | "control" | "control-ended"
  | "disconnected" | "ended" | "error";

export type ViewerOptions = {
  token: string;
  sessionId: string;
  lang?: string;
  server?: string;
  onStatus?: (status: ViewerStatus, detail?: string) => void;
};

export type ViewerZoom = "fit" | "actual" | "pointer";

export type ViewerHandle = {
  setTool(tool: ViewerTool): void;
  setZoom(zoom: ViewerZoom): void;
  /** Drawn size over the customer's size. */
  readonly scale: number;
  requestControl(): void;
  releaseControl(): void;
  navigate(url: string): void;
  destroy(): void;
  readonly replayer: Replayer | null;
};

type RrwebEvent = { type: number; timestamp: number };

const CSS = `
.cv-viewer { display: flex; flex-direction: column; width: 100%; height: 100%; min-height: 240px;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1c2430; }
.cv-toolbar { display: flex; flex-wrap: wrap; gap: 4px 6px; align-items: center; padding: 6px;
  border-bottom: 1px solid #dde3ea; background: #fff; font-size: 13px; }
.cv-toolbar button { font: inherit; padding: 3px 9px; border-radius: 8px; border: 1px solid #dde3ea;
  background: #fff; color: #1c2430; cursor: pointer; }
.cv-toolbar button[aria-pressed="true"] { background: #0f6fde; color: #fff; border-color: #0f6fde; }
.cv-toolbar button.cv-control { margin-left: auto; }
.cv-viewer-status { color: #5b6776; padding: 0 6px; font-size: 12px; }
.cv-toolbar .cv-zoom { display: inline-flex; gap: 2px; align-items: center; }
.cv-toolbar .cv-zoom button { padding: 3px 7px; }
.cv-view { position: relative; flex: 0 1 auto; min-height: 0; overflow: auto; background: #eef1f5;
  scrollbar-gutter: stable; scrollbar-width: thin; }
.cv-view[data-zoom="fit"] { overflow-x: hidden; }
.cv-canvas { position: relative; overflow: hidden; margin: 0 auto; }
.cv-frame { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.cv-frame iframe { border: 0; background: #fff; display: block; }
.cv-glass { position: absolute; left: 0; top: 0; cursor: crosshair; outline: none; }
.cv-glass.cv-controlling { cursor: pointer; box-shadow: inset 0 0 0 3px #14804a; }
.cv-ink { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
.cv-ink polyline { fill: none; stroke: #e63c28; stroke-width: 3; stroke-linecap: round;
  transition: opacity 1.2s; }
.cv-mark { position: absolute; border: 2px solid #f0a500; border-radius: 4px; pointer-events: none;
  transition: opacity .6s; }
.cv-waiting { min-height: 200px; display: grid; place-items: center; color: #5b6776; }
.replayer-wrapper { position: relative; }
.cv-viewer .replayer-mouse { display: none; }
.cv-cursor { position: absolute; left: 0; top: 0; width: 16px; height: 16px; pointer-events: none;
  transition: transform .08s linear; }
.cv-cursor::before { content: ""; position: absolute; inset: 0; border-radius: 50%;
  background: rgba(73, 80, 246, .35); border: 2px solid rgb(73, 80, 246); transform: translate(-50%, -50%); }
.replayer-mouse { position: absolute; width: 20px; height: 20px; transition: left .05s linear, top .05s linear;
  background: no-repeat center/contain url('data:image/svg+xml;utf8,<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 50 50"><path d="M2 2l15 42 8-13 13 13 5-5-13-13 13-8z" fill="%23000" stroke="%23fff" stroke-width="2"/></svg>'); }
.replayer-mouse::after { content: ""; display: inline-block; width: 20px; height: 20px; border-radius: 100%;
  background: rgb(73, 80, 246); opacity: .3; transform: translate(-50%, -50%); }
.replayer-mouse-tail { position: absolute; pointer-events: none; }
`;

function injectCss(): void {
  if (document.getElementById("coview-viewer-css")) return;
  const style = document.createElement("style");
  style.id = "coview-viewer-css";
  style.textContent = CSS;
  document.head.append(style);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = cls;
  if (text) node.textContent = text;
  return node;
}

export function mountCobrowseViewer(container: HTMLElement, options: ViewerOptions): ViewerHandle {
  injectCss();
  const t = translator(options.lang);
  const report = options.onStatus || (() => {});
  let lastStatus = "";
  const status: typeof report = (state, ...rest) => {
    lastStatus = state;
    report(state, ...rest);
  };
  const root = el("div", "cv-viewer");
  const toolbar = el("div", "cv-toolbar");
  toolbar.setAttribute("role", "toolbar");
  // The view scrolls; the canvas inside is the page as drawn (frame, ink, marks,
  // cursor and glass share its coordinates at every zoom).
  const stage = el("div", "cv-view");
  const canvas = el("div", "cv-canvas");
  const frame = el("div", "cv-frame");
  const glass = el("div", "cv-glass");
  glass.tabIndex = 0;
  glass.setAttribute("aria-label", t("cobrowse.demo.viewer_title"));
  const ink = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  ink.setAttribute("class", "cv-ink");
  const waiting = el("div", "cv-waiting", t("cobrowse.viewer.waiting"));
  // The customer's mouse: rrweb applies every live event at once ("sync"), which does not
  // move its own cursor, so the viewer draws one from the latest mouse position.
  const cursor = el("div", "cv-cursor");
  cursor.hidden = true;
  const statusLine = el("span", "cv-viewer-status");
  statusLine.setAttribute("role", "status");
  canvas.append(frame, ink, cursor, glass);
  stage.append(canvas, waiting);
  root.append(toolbar, stage);
  container.append(root);

  const tools: Record<ViewerTool, HTMLButtonElement> = {
    pointer: el("button", "", t("cobrowse.viewer.tool.pointer")),
    highlight: el("button", "", t("cobrowse.viewer.tool.highlight")),
    draw: el("button", "", t("cobrowse.viewer.tool.draw")),
    guide: el("button", "", t("cobrowse.viewer.tool.guide")),
  };
  const controlButton = el("button", "cv-control", t("cobrowse.viewer.control.request"));
  const zooms: Record<ViewerZoom, HTMLButtonElement> = {
    fit: el("button", "", t("cobrowse.viewer.zoom.fit")),
    actual: el("button", "", t("cobrowse.viewer.zoom.actual")),
    pointer: el("button", "", t("cobrowse.viewer.zoom.pointer")),
  };
  const zoomGroup = el("span", "cv-zoom");
  zoomGroup.setAttribute("role", "group");
  zoomGroup.setAttribute("aria-label", t("cobrowse.viewer.zoom"));
  zoomGroup.append(...Object.values(zooms));
  for (const button of [...Object.values(tools), ...Object.values(zooms), controlButton]) button.type = "button";
  toolbar.append(...Object.values(tools), zoomGroup, statusLine, controlButton);

  let me = "";
  let role = "agent";
  let tool: ViewerTool = "pointer";
  let control: "none" | "pending" | "granted" = "none";
  let replayer: Replayer | null = null;
  let scale = 1;
  let zoom: ViewerZoom = "fit";
  let size = { width: 0, height: 0 };
  let mouseAt: { x: number; y: number } | null = null; // the customer's, in their viewport

  const socket = new CobrowseSocket(
    socketUrl(options.server, { token: options.token, session_id: options.sessionId }),
  );
  const say = (text: string) => { statusLine.textContent = text; };

  const setTool = (next: ViewerTool) => {
    tool = next;
    for (const [name, button] of Object.entries(tools)) {
      button.setAttribute("aria-pressed", String(name === next));
    }
  };
  for (const [name, button] of Object.entries(tools)) {
    button.onclick = () => setTool(name as ViewerTool);
  }
  setTool("pointer");

  const setControl = (next: typeof control, message = "") => {
    control = next;
    glass.classList.toggle("cv-controlling", next === "granted");
    controlButton.textContent = t(next === "none"
      ? "cobrowse.viewer.control.request" : "cobrowse.viewer.control.release");
    say(message || (next === "granted" ? t("cobrowse.viewer.control.granted")
      : next === "pending" ? t("cobrowse.viewer.control.pending") : ""));
    if (next === "granted") glass.focus();
  };
  controlButton.onclick = () => (control === "none" ? requestControl() : releaseControl());
  const requestControl = () => {
    if (socket.send({ t: "control-request" })) { setControl("pending"); status("control-pending"); }
  };
  const releaseControl = () => {
    if (control === "granted") socket.send({ t: "control-revoke" });
    setControl("none");
  };

  // --- the replayed page, scaled to the view's width or zoomed ---------------------
  const placeCursor = () => {
    if (mouseAt) cursor.style.transform = `translate(${mouseAt.x * scale}px, ${mouseAt.y * scale}px)`;
  };
  const fit = () => {
    if (!size.width || !size.height) return;
    // Fit fills the width, but never beyond the customer's own size: a page narrower
    // than the view shows whole rather than enlarged past it (100 % and the pointer's
    // region zoom further).
    const fitScale = Math.min(1, stage.clientWidth / size.width);
    scale = zoom === "fit" ? fitScale : zoom === "actual" ? 1 : Math.min(2, Math.max(1, fitScale * 2));
    frame.style.transform = `scale(${scale})`;
    const width = `${Math.floor(size.width * scale)}px`;
    const height = `${Math.floor(size.height * scale)}px`;
    Object.assign(canvas.style, { width, height });
    Object.assign(glass.style, { width, height });
    placeCursor();
  };
  new ResizeObserver(fit).observe(stage);
  const setZoom = (next: ViewerZoom) => {
    zoom = next;
    stage.dataset.zoom = next;
    for (const [name, button] of Object.entries(zooms)) button.setAttribute("aria-pressed", String(name === next));
    fit();
    if (next === "pointer" && mouseAt) {
      // The customer's pointer in the middle of the view.
      stage.scrollTo({ left: mouseAt.x * scale - stage.clientWidth / 2, top: mouseAt.y * scale - stage.clientHeight / 2 });
    }
  };
  for (const [name, button] of Object.entries(zooms)) button.onclick = () => setZoom(name as ViewerZoom);
  setZoom("fit");

  const build = (events: RrwebEvent[]) => {
    replayer?.destroy();
    frame.replaceChildren();
    replayer = new Replayer([], {
      root: frame, liveMode: true, mouseTail: false, showWarning: false, triggerFocus: false,
      useVirtualDom: false, // apply each event to the real DOM as it comes (all are "sync")
    });
    replayer.on("resize", (dimension) => {
      size = dimension as { width: number; height: number };
      fit();
    });
    // Every event is in the past of this baseline, so rrweb applies it at once, in
    // order, whatever the skew between the customer's clock and ours.
    replayer.startLive(Number.MAX_SAFE_INTEGER);
    for (const event of events) replayer.addEvent(event as never);
    waiting.style.display = "none";
    status("live");
  };

  const iframe = () => replayer?.iframe || null;
  const stopPaintingCanvases = keepCanvasesPainted(() => iframe()?.contentDocument);

  type MouseData = { source?: number; positions?: { x: number; y: number }[]; x?: number; y?: number };
  const followMouse = (events: RrwebEvent[]) => {
    for (let i = events.length - 1; i >= 0; i--) {
      const data = (events[i] as unknown as { type: number; data?: MouseData }).data;
      if (events[i].type !== 3 || !data) continue;
      const at = data.source === 1 && data.positions?.length
        ? data.positions[data.positions.length - 1]
        : data.source === 2 && data.x !== undefined ? { x: data.x, y: data.y! } : null;
      if (!at) continue;
      cursor.hidden = false;
      mouseAt = { x: at.x, y: at.y };
      placeCursor();
      cursor.dataset.x = String(Math.round(at.x));
      cursor.dataset.y = String(Math.round(at.y));
      return;
    }
  };

  /** Page (document) coordinates and the element under a glass mouse event. */
  const locate = (event: MouseEvent) => {
    const frameEl = iframe();
    if (!frameEl) return null;
    const rect = frameEl.getBoundingClientRect();
    const vx = (event.clientX - rect.left) / scale;
    const vy = (event.clientY - rect.top) / scale;
    const win = frameEl.contentWindow!;
    const target = frameEl.contentDocument?.elementFromPoint(vx, vy) || null;
    const nodeId = target ? replayer!.getMirror().getId(target as never) : -1;
    return { x: vx + win.scrollX, y: vy + win.scrollY, vx, vy, target, nodeId };
  };

  const mark = (target: Element) => {
    const frameEl = iframe()!;
    const r = target.getBoundingClientRect();
    const f = frameEl.getBoundingClientRect();
    const c = canvas.getBoundingClientRect();
    const box = el("div", "cv-mark");
    Object.assign(box.style, {
      left: `${f.left - c.left + r.left * scale - 3}px`, top: `${f.top - c.top + r.top * scale - 3}px`,
      width: `${r.width * scale + 6}px`, height: `${r.height * scale + 6}px`,
    });
    canvas.append(box);
    setTimeout(() => { box.style.opacity = "0"; }, 2_500);
    setTimeout(() => box.remove(), 3_200);
  };

  // --- the agent's mouse and keyboard on the glass --------------------------------
  let lastMove = 0;
  let stroke: { page: number[][]; screen: number[][]; line: SVGPolylineElement } | null = null;
  const isAgent = () => role === "agent";

  glass.addEventListener("mousemove", (event) => {
    if (!isAgent()) return;
    const at = locate(event);
    if (!at) return;
    if (stroke) {
      stroke.page.push([Math.round(at.x), Math.round(at.y)]);
      const c = canvas.getBoundingClientRect();
      stroke.screen.push([event.clientX - c.left, event.clientY - c.top]);
      stroke.line.setAttribute("points", stroke.screen.map((p) => p.join(",")).join(" "));
      if (stroke.page.length >= 500) finishStroke();
      return;
    }
    const now = performance.now();
    if (now - lastMove < 40 || (tool !== "pointer" && control !== "granted")) return;
    lastMove = now;
    socket.send({ t: "pointer", x: Math.round(at.x), y: Math.round(at.y) });
  });

  const finishStroke = () => {
    if (!stroke) return;
    const { page, line } = stroke;
    stroke = null;
    if (page.length) socket.send({ t: "draw", points: page });
    setTimeout(() => { line.style.opacity = "0"; }, 2_500);
    setTimeout(() => line.remove(), 4_000);
  };

  glass.addEventListener("mousedown", (event) => {
    if (!isAgent() || tool !== "draw" || control === "granted") return;
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    ink.append(line);
    stroke = { page: [], screen: [], line };
  });
  glass.addEventListener("mouseup", finishStroke);
  glass.addEventListener("mouseleave", finishStroke);

  glass.addEventListener("click", (event) => {
    if (!isAgent()) return;
    const at = locate(event);
    if (!at) return;
    if (control === "granted") {
      const header: Header = { t: "input", kind: "click", x: Math.round(at.x), y: Math.round(at.y) };
      if (at.nodeId > 0) header.node_id = at.nodeId;
      socket.send(header);
      glass.focus();
      return;
    }
    if ((tool === "highlight" || tool === "guide") && at.target && at.nodeId > 0) {
      socket.send({ t: tool, node_id: at.nodeId });
      mark(at.target);
    }
  });

  glass.addEventListener("keydown", (event) => {
    if (control !== "granted" || event.ctrlKey || event.metaKey || event.altKey) return;
    const text = event.key === "Backspace" ? "\b" : event.key === "Enter" ? "\n"
      : event.key.length === 1 ? event.key : "";
    if (!text) return;
    event.preventDefault();
    socket.send({ t: "input", kind: "type", text });
  });

  let lastWheel = 0;
  glass.addEventListener("wheel", (event) => {
    if (control !== "granted") return;
    event.preventDefault();
    const now = performance.now();
    if (now - lastWheel < 50) return;
    lastWheel = now;
    const win = iframe()?.contentWindow;
    if (!win) return;
    socket.send({
      t: "input", kind: "scroll",
      x: Math.max(0, Math.round(win.scrollX + event.deltaX)),
      y: Math.max(0, Math.round(win.scrollY + event.deltaY)),
    });
  }, { passive: false });

  // --- frames from the server -------------------------------------------------------
  socket.onframe = (header, payload) => {
    switch (header.t) {
      case "hello":
        me = String(header.id);
        role = String(header.role);
        if (role !== "agent") {
          toolbar.replaceChildren(zoomGroup, statusLine); // watchers zoom too
          say(t("cobrowse.viewer.observer"));
        }
        if (header.control === me) setControl("granted");
        break;
      case "checkpoint": {
        const events = JSON.parse(payload) as RrwebEvent[];
        if (events.length) build(events);
        break;
      }
      case "events": {
        const events = JSON.parse(payload) as RrwebEvent[];
        if (!events.length) break;
        if (!replayer) {
          if (header.full) build(events);
          break;
        }
        for (const event of events) replayer.addEvent(event as never);
        followMouse(events);
        break;
      }
      case "control-grant":
        if (header.agent_id === me) { setControl("granted"); status("control"); }
        break;
      case "control-revoke":
        if (header.agent_id === me && control !== "none") {
          setControl("none", t("cobrowse.viewer.control.revoked"));
          status("control-ended");
        }
        break;
      case "control-decline":
        if (header.agent_id === me) {
          setControl("none", t("cobrowse.viewer.control.declined"));
          status("control-ended");
        }
        break;
      case "end":
        setControl("none");
        say(t("cobrowse.viewer.ended"));
        status("ended");
        break;
      case "error":
        say(String(header.message));
        status("error", String(header.message));
        if (control === "granted" && header.code === "forbidden") setControl("none");
        break;
    }
  };
  socket.onclose = () => {
    if (lastStatus === "ended") return; // the session ended: that message stays
    say(t("cobrowse.viewer.disconnected"));
    status("disconnected");
  };
  socket.onopen = () => say(control === "granted" ? t("cobrowse.viewer.control.granted") : "");
  socket.open();
  status("waiting");

  return {
    setTool,
    setZoom,
    get scale() { return scale; },
    requestControl,
    releaseControl,
    navigate(url: string) {
      socket.send({ t: "input", kind: "navigate", url });
    },
    destroy() {
      stopPaintingCanvases();
      socket.close();
      replayer?.destroy();
      root.remove();
    },
    get replayer() { return replayer; },
  };
}
