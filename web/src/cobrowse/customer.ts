/**
 * coview co-browse, customer side. Self-contained: mount it on any page of the site.
 *
 *   import { startCobrowse } from "/static/dist/cobrowse-customer.js";
 *   const cobrowse = await startCobrowse({ token, lang: "es" });
 *   cobrowse.revokeControl();   // e.g. from your own UI
 *   cobrowse.stop();            // stop sharing (removes the overlay)
 *
 * Options: `token` (the customer's session token; keep it in sessionStorage so the
 * next page resumes the same session), `lang` (es|en|pt, default the page's),
 * `server` (coview's base URL when it is not this origin), `maskSelectors` (extra CSS
 * selectors whose text and inputs are hidden), `recordingConsent` (true once the
 * customer agreed to record the session; also `handle.setRecordingConsent(bool)`), `onStatus(status, detail)` with
 * status "sharing" | "unsupported" | "control" | "control-ended" | "error" | "stopped",
 * `onAttention(rect)` when the agent highlights or guides to an element (its viewport
 * box), so the page's own floating UI can move out of its way.
 *
 * What the agent never sees: every input's value unless the field (or an ancestor) has
 * `data-coview-unmask`; passwords always; text under `[data-coview-mask]` (replaced by
 * `*`); elements with `[data-coview-block]` (a same-size placeholder); the
 * organisation's selectors from the server. The server masks card numbers again.
 *
 * The agent's pointer, highlights and drawings show on an overlay; remote control needs
 * the customer's consent (a prompt) and stops with one click or Esc. rrweb's recorder
 * is loaded lazily, only once sharing starts.
 */
import { click, isTypeable, navigate, type as typeText, type InputFrame } from "./control";
import { shownLang, translator } from "./i18n";
import { Overlay } from "./overlay";
import { CobrowseSocket, type Header, socketUrl } from "./protocol";

export type CobrowseStatus =
  | "sharing" | "paused" | "unsupported" | "control" | "control-ended" | "error" | "stopped";

export type CobrowseOptions = {
  token: string;
  lang?: string;
  server?: string;
  maskSelectors?: string[];
  recordingConsent?: boolean;
  flushMs?: number;
  onStatus?: (status: CobrowseStatus, detail?: string) => void;
  onAttention?: (rect: DOMRect) => void;
};

export type CobrowseHandle = {
  stop(): void;
  setRecordingConsent(granted: boolean): void;
  revokeControl(): void;
  readonly controlledBy: string | null;
};

type RecordFn = typeof import("@rrweb/record").record;
type RrwebEvent = { type: number; timestamp: number; [k: string]: unknown };

const META = 4;

export function recorderSupported(): boolean {
  return typeof MutationObserver === "function" && typeof WebSocket === "function" &&
    typeof WeakMap === "function" && "attachShadow" in Element.prototype &&
    !(window as unknown as { __coviewNoRecorder?: boolean }).__coviewNoRecorder;
}

function unsupported(message: string): CobrowseHandle {
  const box = document.createElement("div");
  box.setAttribute("role", "alert");
  box.className = "coview-cobrowse-unsupported";
  box.style.cssText = "position:fixed;right:16px;bottom:16px;max-width:340px;padding:10px 12px;" +
    "background:#fff8e1;color:#5a4500;border:1px solid #f0d27a;border-radius:8px;z-index:2147483646;" +
    "font:14px/1.4 system-ui,sans-serif";
  box.textContent = message;
  document.body.append(box);
  return {
    stop: () => box.remove(), setRecordingConsent: () => {}, revokeControl: () => {},
    controlledBy: null,
  };
}

export async function startCobrowse(options: CobrowseOptions): Promise<CobrowseHandle> {
  const t = translator(options.lang);
  const status = options.onStatus || (() => {});
  if (!recorderSupported()) {
    status("unsupported");
    return unsupported(t("cobrowse.unsupported"));
  }
  let record: RecordFn;
  try {
    record = (await import("@rrweb/record")).record;
  } catch (error) {
    status("unsupported", String(error));
    return unsupported(t("cobrowse.unsupported"));
  }

  const overlay = new Overlay(t);
  const socket = new CobrowseSocket(socketUrl(options.server, { token: options.token }));
  const flushMs = options.flushMs ?? 50;
  let maskSelector = ["[data-coview-mask]", ...(options.maskSelectors || [])].join(",");
  let stopRecording: (() => void) | undefined;
  let buffer: RrwebEvent[] = [];
  let full = false;
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let controlledBy: string | null = null;
  // Another tab of this session shares now (server "paused"); this one shares again
  // when the customer comes back to it.
  let paused = false;
  const agents = new Map<string, string>();
  const agentName = (id: unknown) => agents.get(String(id)) || t("cobrowse.agent.pointing");

  const flush = () => {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!buffer.length) return;
    if (paused) { buffer = []; full = false; return; }
    const header: Header = { t: "events", seq: ++seq };
    if (full) header.full = true;
    socket.send(header, JSON.stringify(buffer));
    buffer = [];
    full = false;
  };

  const emit = (event: RrwebEvent) => {
    if (event.type === META) { flush(); full = true; } // a snapshot batch starts with meta
    buffer.push(event);
    if (!timer) timer = setTimeout(flush, flushMs);
  };

  const isUnmasked = (el: Element | null) =>
    !!el && el.closest("[data-coview-unmask]") !== null &&
    !(el instanceof HTMLInputElement && el.type === "password") &&
    !(maskSelector && el.matches(maskSelector));

  const startRecording = () => {
    stopRecording = record({
      emit: (event) => emit(event as unknown as RrwebEvent),
      maskAllInputs: true,
      maskInputFn: (text: string, element: HTMLElement) =>
        isUnmasked(element) ? text : "*".repeat(text.length),
      maskTextSelector: maskSelector,
      blockSelector: "[data-coview-block]",
      recordCanvas: true,
      sampling: { canvas: 1, scroll: 50 },
      slimDOMOptions: { script: true, comment: true, headFavicon: true, headWhitespace: true },
      inlineStylesheet: true,
    }) || undefined;
  };

  const endControl = (notify: boolean) => {
    if (controlledBy === null) return;
    if (notify) socket.send({ t: "control-revoke", text: t("cobrowse.control.stop"), lang: shownLang(options.lang) });
    controlledBy = null;
    overlay.hideControlBar();
    status("control-ended");
  };

  const beginControl = (agentId: string) => {
    controlledBy = agentId;
    overlay.showControlBar(agentName(agentId), () => endControl(true));
    status("control");
  };

  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape" && controlledBy !== null && event.isTrusted) endControl(true);
  };
  addEventListener("keydown", onKey, true);

  const onVisible = () => {
    if (!paused || document.visibilityState !== "visible") return;
    if (socket.send({ t: "resume" })) { // the server asks for a full snapshot next
      paused = false;
      status("sharing");
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  addEventListener("focus", onVisible);

  const nodeOf = (id: unknown): Element | null => {
    if (typeof id !== "number") return null;
    const node = record.mirror.getNode(id) as Node | null;
    if (!node) return null;
    return node instanceof Element ? node : node.parentElement;
  };

  const applyInput = (frame: InputFrame) => {
    const x = frame.x !== undefined ? frame.x - scrollX : undefined;
    const y = frame.y !== undefined ? frame.y - scrollY : undefined;
    if (frame.kind === "click") {
      const el = nodeOf(frame.node_id) ||
        (x !== undefined && y !== undefined ? document.elementFromPoint(x, y) : null);
      if (el && !overlay.host.contains(el)) click(el, x, y);
    } else if (frame.kind === "type") {
      const el = nodeOf(frame.node_id) || document.activeElement;
      if (frame.text && isTypeable(el, maskSelector)) typeText(el, frame.text);
    } else if (frame.kind === "scroll") {
      scrollTo({ left: frame.x ?? scrollX, top: frame.y ?? scrollY });
    } else if (frame.kind === "navigate" && frame.url) {
      navigate(frame.url);
    }
  };

  let greeted = false;
  socket.onframe = (header, _payload) => {
    switch (header.t) {
      case "hello": {
        const selectors = (header.mask_selectors as string[] | undefined) || [];
        if (selectors.length) maskSelector = [maskSelector, ...selectors].join(",");
        if (!greeted) {
          greeted = true;
          startRecording();
          status("sharing");
        } else {
          record.takeFullSnapshot(true); // events may have been lost while offline
        }
        if (typeof header.control === "string") beginControl(header.control);
        if (options.recordingConsent !== undefined && options.recordingConsent !== header.recording) {
          socket.send({ t: "recording-consent", granted: options.recordingConsent });
        }
        break;
      }
      case "paused":
        paused = true;
        buffer = [];
        endControl(false);
        status("paused");
        break;
      case "snapshot-request":
        if (stopRecording) record.takeFullSnapshot(true);
        break;
      case "pointer":
        if (typeof header.name === "string" && header.name) agents.set(String(header.from), header.name);
        overlay.showPointer(Number(header.x), Number(header.y), agentName(header.from));
        break;
      case "highlight": {
        const el = nodeOf(header.node_id);
        if (el) {
          overlay.highlight(el);
          options.onAttention?.(el.getBoundingClientRect());
        }
        break;
      }
      case "guide": {
        const el = nodeOf(header.node_id);
        if (el) {
          el.scrollIntoView({ behavior: "smooth", block: "center" });
          setTimeout(() => {
            overlay.highlight(el);
            options.onAttention?.(el.getBoundingClientRect());
          }, 400);
        }
        break;
      }
      case "draw":
        overlay.draw(header.points as number[][]);
        break;
      case "control-request": {
        const agent = header.agent as { id: string; name: string };
        agents.set(agent.id, agent.name || t("cobrowse.agent.pointing"));
        overlay.askControl(agentName(agent.id), (allow, text) => {
          // The answer, the text shown and its language make the consent record.
          const shown = { agent_id: agent.id, text, lang: shownLang(options.lang) };
          socket.send(allow ? { t: "control-grant", ...shown } : { t: "control-decline", ...shown });
        });
        break;
      }
      case "control-grant":
        beginControl(String(header.agent_id));
        break;
      case "control-revoke":
        endControl(false);
        break;
      case "input":
        if (controlledBy !== null && header.from === controlledBy) {
          applyInput(header as unknown as InputFrame);
        }
        break;
      case "end": // the session is over: stop sharing (the server closes the socket)
        flush();
        stopRecording?.();
        stopRecording = undefined;
        endControl(true);
        overlay.remove();
        status("stopped");
        break;
      case "error":
        console.warn("coview co-browse:", header.code, header.message);
        status("error", String(header.message));
        break;
    }
  };
  socket.open();

  return {
    stop() {
      flush();
      stopRecording?.();
      endControl(true);
      socket.close();
      removeEventListener("keydown", onKey, true);
      document.removeEventListener("visibilitychange", onVisible);
      removeEventListener("focus", onVisible);
      overlay.remove();
      status("stopped");
    },
    revokeControl: () => endControl(true),
    setRecordingConsent(granted: boolean) {
      options.recordingConsent = granted;
      socket.send({ t: "recording-consent", granted });
    },
    get controlledBy() { return controlledBy; },
  };
}
