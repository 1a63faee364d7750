// The call UI (web/src/call) as a slot for the widget and the console: brings its own
// stylesheet (the widget renders inside a shadow root, where page CSS does not reach)
// and maps the slot options onto the call's.
import css from "../../static/css/call.css";
import { mountCall as mount, type CallController } from "../call";

export interface SlotOptions {
  baseUrl: string;
  token: string;
  sessionId: string;
  lang: string;
  role: string;
  escalationId?: string;
  modalities?: string[];
  onEnd?: (reason: string) => void;
}

export interface CallSlot {
  controller: CallController;
  unmount(): void;
  /** Leave the call to the others (the agent transferred the session). */
  leave(): void;
}

export function mountCall(container: HTMLElement, options: SlotOptions): CallSlot {
  container.replaceChildren();
  const style = document.createElement("style");
  style.textContent = css;
  container.append(style);
  const controller = mount(container, {
    token: options.token,
    sessionId: options.sessionId,
    lang: options.lang,
    role: options.role,
    serverUrl: options.baseUrl,
    onEnd: options.onEnd,
  });
  // The console's call, for diagnostics and browser tests (as /call exposes its own).
  if (options.role === "agent") Object.assign(window, { coviewCall: controller });
  const stopWatching = options.role === "agent" && options.escalationId ? reportMedia(controller, options) : () => undefined;
  return {
    controller,
    unmount: () => {
      stopWatching();
      controller.end("ended");
    },
    leave: () => {
      stopWatching();
      controller.leave();
    },
  };
}

/** Tells the escalation when media first flows (it enters in_session, and time to
 * media is measured); the agent's side reports, once. */
function reportMedia(controller: CallController, options: SlotOptions): () => void {
  const started = performance.now();
  const timer = window.setInterval(() => {
    if (controller.state === "ended") window.clearInterval(timer);
    if (controller.state !== "connected") return;
    window.clearInterval(timer);
    const modality = options.modalities?.includes("video") ? "video" : "screen";
    void fetch(`${options.baseUrl}/api/escalations/${encodeURIComponent(options.escalationId ?? "")}/media-connected`, {
      method: "POST",
      headers: { Authorization: `Bearer ${options.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ ms: Math.round(performance.now() - started), modality }),
    }).catch(() => undefined);
  }, 250);
  return () => window.clearInterval(timer);
}
