// The agent's server-peer tools in the call UI: record (the customer is asked for
// consent first), play a product demo from the library into the call, and take a
// snapshot of the customer's picture. Each is one Socket.IO request (docs/protocol.md,
// "/session: the server peer"); this panel only drives them and shows their state.
import type { Translate } from "./i18n";
import type { Ack } from "./ack";
import { el } from "./view";

export interface AgentToolsOptions {
  t: Translate;
  token: string;
  serverUrl: string;
  request: (event: string, payload?: Record<string, unknown>) => Promise<Ack>;
}

export class AgentTools {
  readonly root = el("div", { class: "cv-tools", role: "group" });
  private readonly recordButton: HTMLButtonElement;
  private readonly demoSelect = el("select", { class: "cv-select" });
  private readonly demoButton: HTMLButtonElement;
  private readonly snapshotButton: HTMLButtonElement;
  private readonly statusLine = el("p", { class: "cv-tools-status", role: "status" });
  private readonly shots = el("div", { class: "cv-shots" });
  private recording = false;
  private demoPlaying = false;

  constructor(private readonly opts: AgentToolsOptions) {
    const { t } = opts;
    this.root.setAttribute("aria-label", t("call.tools"));
    const button = (label: string, onClick: () => void): HTMLButtonElement => {
      const b = el("button", { type: "button", class: "cv-btn" }, label);
      b.addEventListener("click", onClick);
      return b;
    };
    this.recordButton = button(t("call.tools.record"), () => void this.toggleRecording());
    this.demoButton = button(t("call.tools.demo_play"), () => void this.toggleDemo());
    this.snapshotButton = button(t("call.tools.snapshot"), () => void this.snapshot());
    const demoLabel = el("label", { class: "cv-device" }, t("call.tools.demo"));
    demoLabel.append(this.demoSelect);
    this.root.append(this.recordButton, demoLabel, this.demoButton, this.snapshotButton, this.statusLine, this.shots);
    void this.loadDemos();
  }

  private say(text: string): void {
    this.statusLine.textContent = text;
  }

  private failed(ack: Ack): boolean {
    if (ack.ok) return false;
    this.say(this.opts.t("call.tools.error", { message: ack.error?.message ?? "" }));
    return true;
  }

  private async loadDemos(): Promise<void> {
    let videos: { name: string }[] = [];
    try {
      const response = await fetch(`${this.opts.serverUrl}/api/demo-videos`, {
        headers: { Authorization: `Bearer ${this.opts.token}` },
      });
      if (response.ok) videos = ((await response.json()) as { videos: { name: string }[] }).videos;
    } catch {
      videos = [];
    }
    this.demoSelect.replaceChildren(...videos.map((v) => el("option", { value: v.name }, v.name)));
    const none = !videos.length;
    this.demoSelect.disabled = none;
    this.demoButton.disabled = none;
    if (none) this.demoSelect.append(el("option", { value: "" }, this.opts.t("call.tools.no_demos")));
  }

  private async toggleRecording(): Promise<void> {
    const { t } = this.opts;
    const stopping = this.recording;
    this.recordButton.disabled = true;
    const ack = await this.opts.request(stopping ? "recording-stop" : "recording-start");
    this.recordButton.disabled = false;
    // Stopping is confirmed by the server's `recording` event (recordingState).
    if (!this.failed(ack) && !stopping) this.say(t("call.tools.awaiting_consent"));
  }

  /** The server's `recording` event: started, declined, stopped or withdrawn. */
  recordingState(state: string): void {
    const { t } = this.opts;
    this.recording = state === "started";
    this.recordButton.textContent = t(this.recording ? "call.tools.record_stop" : "call.tools.record");
    this.recordButton.setAttribute("aria-pressed", String(this.recording));
    if (state === "started") this.say(t("call.tools.recording"));
    else if (state === "declined") this.say(t("call.tools.declined"));
    else if (state === "stopped") this.say(t("call.tools.recording_saved"));
    else if (state === "withdrawn") this.say(t("call.tools.withdrawn"));
  }

  private async toggleDemo(): Promise<void> {
    this.demoButton.disabled = true;
    const ack = this.demoPlaying
      ? await this.opts.request("demo-stop")
      : await this.opts.request("demo-play", { name: this.demoSelect.value });
    this.demoButton.disabled = false;
    this.failed(ack);
  }

  /** The server's `demo` event: playing or stopped. */
  demoState(playing: boolean): void {
    this.demoPlaying = playing;
    this.demoButton.textContent = this.opts.t(playing ? "call.tools.demo_stop" : "call.tools.demo_play");
    this.demoButton.setAttribute("aria-pressed", String(playing));
  }

  private async snapshot(): Promise<void> {
    const { t } = this.opts;
    this.snapshotButton.disabled = true;
    const ack = await this.opts.request("snapshot");
    this.snapshotButton.disabled = false;
    if (this.failed(ack)) return;
    const shot = ack.snapshot as { url: string; name: string };
    // The image needs the agent's token, so it is fetched, not linked.
    const response = await fetch(`${this.opts.serverUrl}${shot.url}`, {
      headers: { Authorization: `Bearer ${this.opts.token}` },
    });
    if (!response.ok) return this.say(t("call.tools.error", { message: String(response.status) }));
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: shot.name, class: "cv-shot" });
    link.append(el("img", { src: url, alt: t("call.tools.snapshot_alt") }));
    this.shots.prepend(link);
    this.say(t("call.tools.snapshot_saved"));
  }
}
