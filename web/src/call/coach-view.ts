// Coaching (issue #25) in the call UI: other participants' tiles (name, role, active
// speaker), the supervisor's mode buttons, the agent's whisper indicator and the
// internal whisper chat. Text from others is set with textContent only.
import type { Translate } from "./i18n";
import { el } from "./dom";

export type CoachMode = "observe" | "whisper" | "barge";

export class Tiles {
  readonly root = el("div", { class: "cv-tiles" });
  private readonly tiles = new Map<string, { figure: HTMLElement; video: HTMLVideoElement }>();
  private readonly whispering = new Set<string>();

  constructor(private readonly t: Translate) {}

  /** A participant beside the main picture: their video (or an avatar) with sound. */
  show(peerId: string, stream: MediaStream, name: string, role: string): void {
    let tile = this.tiles.get(peerId);
    if (!tile) {
      const video = el("video", { autoplay: "", playsinline: "" });
      const figure = el("figure", { class: "cv-tile", "data-peer": peerId, "data-role": role });
      figure.append(video, el("figcaption", {}, `${name} · ${this.t(`call.role.${role}`)}`));
      this.root.append(figure);
      tile = { figure, video };
      this.tiles.set(peerId, tile);
      this.markWhisper(figure, this.whispering.has(peerId));
    }
    if (tile.video.srcObject !== stream) tile.video.srcObject = stream;
    tile.figure.classList.toggle("cv-audio-only", !stream.getVideoTracks().some((t) => t.readyState === "live"));
    void tile.video.play().catch(() => undefined);
  }

  /** For the agent: this supervisor's voice is a whisper (only you hear it). */
  whisper(peerId: string, on: boolean): void {
    if (on) this.whispering.add(peerId);
    else this.whispering.delete(peerId);
    const tile = this.tiles.get(peerId);
    if (tile) this.markWhisper(tile.figure, on);
  }

  private markWhisper(figure: HTMLElement, on: boolean): void {
    figure.classList.toggle("cv-whispering", on);
    if (on) figure.dataset.whisper = this.t("call.coach.whisper_tag");
    else delete figure.dataset.whisper;
  }

  remove(peerId: string): void {
    this.tiles.get(peerId)?.figure.remove();
    this.tiles.delete(peerId);
  }

  /** Highlight who is speaking now (the loudest received audio), or nobody. */
  speaking(peerId: string | null): void {
    for (const [id, tile] of this.tiles) tile.figure.classList.toggle("cv-speaking", id === peerId);
  }
}

/** The supervisor's controls: observe / whisper to the agent / barge in, and the
 * whisper chat; the agent gets the indicator and the same chat. */
export class CoachPanel {
  readonly root = el("section", { class: "cv-coach", hidden: "" });
  private readonly indicator = el("p", { class: "cv-whisper-indicator", role: "status", hidden: "" });
  private readonly log = el("ol", { class: "cv-coach-log", "aria-live": "polite" });
  private readonly buttons = new Map<CoachMode, HTMLButtonElement>();

  constructor(
    private readonly t: Translate,
    private readonly actions: { coach?: (mode: CoachMode) => void; chat: (text: string) => void },
  ) {
    this.root.setAttribute("aria-label", t("call.coach.title"));
    this.root.append(this.indicator);
    if (actions.coach) {
      const group = el("div", { class: "cv-coach-modes", role: "group", "aria-label": t("call.coach.title") });
      for (const mode of ["observe", "whisper", "barge"] as const) {
        const b = el("button", { type: "button", class: "cv-btn", "aria-pressed": String(mode === "observe") }, t(`call.coach.${mode}`));
        b.addEventListener("click", () => actions.coach?.(mode));
        this.buttons.set(mode, b);
        group.append(b);
      }
      this.root.append(group);
      this.root.hidden = false;
    }
    const input = el("input", { type: "text", maxlength: "2000", "aria-label": t("call.coach.chat") });
    input.placeholder = t("call.coach.chat");
    const form = el("form", { class: "cv-coach-chat" });
    form.append(input, el("button", { type: "submit", class: "cv-btn" }, t("call.coach.send")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      actions.chat(text);
    });
    this.root.append(this.log, form);
  }

  /** The supervisor's own mode, as the server acknowledged it. */
  mode(mode: CoachMode): void {
    for (const [m, b] of this.buttons) b.setAttribute("aria-pressed", String(m === mode));
    this.root.dataset.mode = mode;
  }

  /** For the agent: a supervisor is whispering (only you hear them) or not. */
  whisper(name: string | null): void {
    this.root.hidden = false;
    this.indicator.hidden = name === null;
    this.indicator.textContent = name === null ? "" : this.t("call.coach.whispering", { name });
  }

  /** A supervisor is in the call (for the agent): the chat becomes available. */
  present(): void {
    this.root.hidden = false;
  }

  message(from: string, text: string): void {
    const item = el("li", {});
    item.append(el("strong", {}, `${from}: `), document.createTextNode(text));
    this.log.append(item);
    this.root.hidden = false;
  }
}
