// What the customer sees of the agent: a pointer, highlights, fading drawings, the
// consent prompt for remote control and the "stop control" bar. Lives in a shadow root
// so the page's CSS cannot break it, and is excluded from the recording.
import type { Translate } from "./i18n";

const CSS = `
:host { all: initial; }
.layer { position: fixed; inset: 0; pointer-events: none; z-index: 2147483646;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.pointer { position: absolute; width: 18px; height: 18px; margin: -9px 0 0 -9px;
  border-radius: 50%; background: rgba(230, 60, 40, .85); border: 2px solid #fff;
  box-shadow: 0 0 0 2px rgba(230, 60, 40, .4); transition: left .08s linear, top .08s linear; }
.pointer span { position: absolute; left: 20px; top: 10px; background: #c0392b; color: #fff;
  padding: 1px 6px; border-radius: 4px; font-size: 12px; white-space: nowrap; }
.highlight { position: absolute; border: 3px solid #f0a500; border-radius: 6px;
  box-shadow: 0 0 0 9999px rgba(0, 0, 0, .08); transition: opacity .6s; }
svg { position: absolute; inset: 0; width: 100%; height: 100%; }
polyline { fill: none; stroke: #e63c28; stroke-width: 4; stroke-linecap: round;
  stroke-linejoin: round; transition: opacity 1.2s; }
.dialog, .bar { position: fixed; pointer-events: auto; background: #fff; color: #1c2430;
  border: 1px solid #dde3ea; border-radius: 10px; box-shadow: 0 8px 30px rgba(0, 0, 0, .2); }
.dialog { left: 50%; top: 20%; transform: translateX(-50%); padding: 18px; max-width: 420px; }
.dialog p { margin: 0 0 14px; }
.bar { left: 50%; bottom: 16px; transform: translateX(-50%); padding: 8px 12px;
  display: flex; gap: 12px; align-items: center; background: #1c2430; color: #fff; }
.notice { position: fixed; right: 16px; bottom: 16px; max-width: 340px; padding: 10px 12px;
  background: #fff8e1; color: #5a4500; border: 1px solid #f0d27a; border-radius: 8px;
  pointer-events: auto; }
button { font: inherit; padding: 6px 14px; border-radius: 8px; border: 1px solid #dde3ea;
  background: #fff; color: #1c2430; cursor: pointer; }
button.primary { background: #0f6fde; color: #fff; border-color: #0f6fde; }
.bar button { background: #c0392b; color: #fff; border-color: #c0392b; }
`;

export class Overlay {
  readonly host: HTMLElement;
  private layer: HTMLElement;
  private pointer: HTMLElement | null = null;
  private pointerAt: { x: number; y: number } | null = null;
  private svg: SVGSVGElement;
  private bar: HTMLElement | null = null;
  private dialog: HTMLElement | null = null;

  constructor(private t: Translate) {
    this.host = document.createElement("coview-cobrowse-overlay");
    this.host.setAttribute("data-coview-block", "");
    this.host.setAttribute("data-rr-ignore", "");
    const root = this.host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = CSS;
    this.layer = document.createElement("div");
    this.layer.className = "layer";
    this.svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    this.layer.append(this.svg);
    root.append(style, this.layer);
    document.documentElement.append(this.host);
    addEventListener("scroll", () => this.placePointer(), { passive: true });
  }

  /** Agent's pointer at page (document) coordinates. */
  showPointer(x: number, y: number, name: string): void {
    if (!this.pointer) {
      this.pointer = document.createElement("div");
      this.pointer.className = "pointer";
      this.pointer.setAttribute("role", "img");
      const label = document.createElement("span");
      this.pointer.append(label);
      this.layer.append(this.pointer);
    }
    this.pointer.setAttribute("aria-label", name);
    this.pointer.querySelector("span")!.textContent = name;
    this.pointerAt = { x, y };
    this.placePointer();
  }

  private placePointer(): void {
    if (!this.pointer || !this.pointerAt) return;
    this.pointer.style.left = `${this.pointerAt.x - scrollX}px`;
    this.pointer.style.top = `${this.pointerAt.y - scrollY}px`;
  }

  highlight(element: Element, ms = 3_000): void {
    const rect = element.getBoundingClientRect();
    const box = document.createElement("div");
    box.className = "highlight";
    box.setAttribute("data-testid", "coview-highlight");
    Object.assign(box.style, {
      left: `${rect.left - 4}px`, top: `${rect.top - 4}px`,
      width: `${rect.width + 8}px`, height: `${rect.height + 8}px`,
    });
    this.layer.append(box);
    setTimeout(() => { box.style.opacity = "0"; }, ms);
    setTimeout(() => box.remove(), ms + 700);
  }

  /** A freehand stroke (page coordinates) that fades after a few seconds. */
  draw(points: number[][]): void {
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    line.setAttribute("points", points.map(([x, y]) => `${x - scrollX},${y - scrollY}`).join(" "));
    this.svg.append(line);
    setTimeout(() => { line.style.opacity = "0"; }, 2_500);
    setTimeout(() => line.remove(), 4_000);
  }

  /** ``answer`` also gets the prompt's text as shown, for the consent record. */
  askControl(name: string, answer: (allow: boolean, shown: string) => void): void {
    this.dialog?.remove();
    const dialog = document.createElement("div");
    dialog.className = "dialog";
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-modal", "true");
    const text = document.createElement("p");
    text.textContent = this.t("cobrowse.control.ask", { name });
    const allow = document.createElement("button");
    allow.className = "primary";
    allow.textContent = this.t("cobrowse.control.allow");
    const decline = document.createElement("button");
    decline.textContent = this.t("cobrowse.control.decline");
    const done = (value: boolean) => { dialog.remove(); this.dialog = null; answer(value, text.textContent ?? ""); };
    allow.onclick = () => done(true);
    decline.onclick = () => done(false);
    const row = document.createElement("div");
    row.style.cssText = "display:flex;gap:8px;justify-content:flex-end";
    row.append(decline, allow);
    dialog.append(text, row);
    this.layer.append(dialog);
    this.dialog = dialog;
    allow.focus();
  }

  showControlBar(name: string, stop: () => void): void {
    this.hideControlBar();
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = this.t("cobrowse.control.active", { name });
    const button = document.createElement("button");
    button.textContent = this.t("cobrowse.control.stop");
    button.onclick = stop;
    bar.append(text, button);
    this.layer.append(bar);
    this.bar = bar;
  }

  hideControlBar(): void {
    this.bar?.remove();
    this.bar = null;
  }

  notice(text: string): HTMLElement {
    const box = document.createElement("div");
    box.className = "notice";
    box.setAttribute("role", "status");
    box.textContent = text;
    this.layer.append(box);
    return box;
  }

  remove(): void {
    this.host.remove();
  }
}
