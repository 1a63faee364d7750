// Focus mode: the customer's page (or screen share) gets the whole workspace; the side
// column steps aside (an incoming offer still shows), the context panel folds away and
// a call beside co-browsing becomes a small picture-in-picture the agent can move.
// One button and Alt+Shift+F; remembered per agent in localStorage. The context panel
// folds with it, and on its own with the button beside it.
import { h } from "../shared/dom";
import { t } from "./strings";

export const FOCUS_SHORTCUT = "Alt+Shift+F";

function storageKey(agentId: string): string {
  return `coview-console-focus:${agentId}`;
}

export class FocusMode {
  private on: boolean;
  private folded: boolean;
  /** The context fold and focus buttons, for the workspace bar. */
  readonly buttons = h("div", { class: "view-buttons", role: "group", "aria-label": t("console.focus") });
  private readonly onKey = (event: KeyboardEvent): void => {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.code !== "KeyF") return;
    event.preventDefault();
    this.set(!this.on);
  };

  constructor(
    private readonly root: HTMLElement,
    private readonly agentId: string,
  ) {
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(storageKey(agentId));
    } catch {
      /* storage disabled: focus mode still works for this page */
    }
    this.on = this.folded = saved === "1";
    this.apply();
    document.addEventListener("keydown", this.onKey);
  }

  get active(): boolean {
    return this.on;
  }

  set(on: boolean): void {
    this.on = this.folded = on;
    try {
      localStorage.setItem(storageKey(this.agentId), on ? "1" : "0");
    } catch {
      /* not remembered, still applied */
    }
    this.apply();
  }

  private apply(): void {
    this.root.classList.toggle("focus", this.on);
    this.root.classList.toggle("ctx-folded", this.folded);
    const on = this.on;
    const focus = h("button", {
      class: "btn", type: "button", "data-action": "focus", "aria-pressed": String(on),
      "aria-keyshortcuts": FOCUS_SHORTCUT, title: `${t(on ? "console.focus.exit" : "console.focus")} (${FOCUS_SHORTCUT})`,
      onclick: () => this.set(!on),
    }, on ? `⤡ ${t("console.focus.exit")}` : `⤢ ${t("console.focus")}`);
    const context = h("button", {
      class: "btn ghost", type: "button", "data-action": "context", "aria-expanded": String(!this.folded),
      onclick: () => {
        this.folded = !this.folded;
        this.apply();
      },
    }, t(this.folded ? "console.context.show" : "console.context.hide"));
    this.buttons.replaceChildren(context, focus);
  }

  dispose(): void {
    document.removeEventListener("keydown", this.onKey);
    this.root.classList.remove("focus", "ctx-folded");
  }
}

/** Lets the agent drag `box` (absolutely placed by right/bottom inside its offset
 * parent) by `handle`, or move it with the arrow keys; it stays inside the parent. */
export function makeMovable(box: HTMLElement, handle: HTMLElement): void {
  const place = (right: number, bottom: number): void => {
    const parent = box.offsetParent as HTMLElement | null;
    if (!parent) return;
    const maxRight = Math.max(0, parent.clientWidth - box.offsetWidth);
    const maxBottom = Math.max(0, parent.clientHeight - box.offsetHeight);
    box.style.setProperty("--pip-right", `${Math.min(maxRight, Math.max(0, right))}px`);
    box.style.setProperty("--pip-bottom", `${Math.min(maxBottom, Math.max(0, bottom))}px`);
  };
  const current = (): { right: number; bottom: number } => {
    const parent = box.offsetParent as HTMLElement | null;
    if (!parent) return { right: 0, bottom: 0 };
    return {
      right: parent.clientWidth - box.offsetLeft - box.offsetWidth,
      bottom: parent.clientHeight - box.offsetTop - box.offsetHeight,
    };
  };
  handle.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    const start = { x: event.clientX, y: event.clientY, ...current() };
    const move = (e: PointerEvent): void => place(start.right - (e.clientX - start.x), start.bottom - (e.clientY - start.y));
    const stop = (): void => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", stop);
      handle.removeEventListener("pointercancel", stop);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", stop);
    handle.addEventListener("pointercancel", stop);
  });
  handle.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? 80 : 20;
    const delta: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const d = delta[event.key];
    if (!d) return;
    event.preventDefault();
    const at = current();
    place(at.right + d[0], at.bottom + d[1]);
  });
}
