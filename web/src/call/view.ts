// The call's DOM: videos, status line, timer, quality, notices and controls.
// Plain elements with roles and visible labels, so it works with a screen reader,
// on a phone and in tests that look for text.
import { Tiles } from "./coach-view";
import { el } from "./dom";

export { el };
import type { Translate } from "./i18n";

export interface ViewActions {
  mic(): void;
  camera(): void;
  screen(): void;
  end(): void;
  device(kind: "camera" | "mic", deviceId: string): void;
}

function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class CallView {
  private readonly root = el("section", { class: "cv-call", "aria-label": "" });
  private readonly remote = el("video", { class: "cv-remote", autoplay: "", playsinline: "" });
  private readonly remoteNote = el("p", { class: "cv-remote-note", hidden: "" });
  private readonly local = el("video", { class: "cv-local", autoplay: "", playsinline: "" });
  private readonly statusLine = el("p", { class: "cv-status", role: "status" });
  private readonly clock = el("span", { class: "cv-timer" }, "00:00");
  private readonly qualityBadge = el("span", { class: "cv-quality", hidden: "" });
  private readonly demo = el("video", { class: "cv-demo", autoplay: "", playsinline: "", hidden: "" });
  private readonly recordingBadge = el("span", { class: "cv-recording", hidden: "" });
  private readonly withdrawButton = el("button", { type: "button", class: "cv-btn cv-withdraw", hidden: "" });
  private withdraw: (() => void) | null = null;
  private readonly consentBox = el("div", { class: "cv-consent", role: "dialog", hidden: "" });
  private readonly noticeBox = el("p", { class: "cv-notice", role: "alert", hidden: "" });
  private readonly micButton: HTMLButtonElement;
  private readonly cameraButton: HTMLButtonElement;
  private readonly screenButton: HTMLButtonElement;
  private readonly endButton: HTMLButtonElement;
  private devicesBox: HTMLElement | null = null;
  private readonly cameraSelect = el("select", { class: "cv-select" });
  private readonly micSelect = el("select", { class: "cv-select" });
  /** The other participants beyond the main picture (issue #25: up to four people). */
  readonly tiles: Tiles;

  constructor(
    private readonly container: HTMLElement,
    private readonly t: Translate,
    actions: ViewActions,
  ) {
    this.root.setAttribute("aria-label", t("call.title"));
    this.local.muted = true;
    this.remote.setAttribute("aria-label", t("call.remote"));
    this.local.setAttribute("aria-label", t("call.you"));
    const stage = el("div", { class: "cv-stage" });
    this.demo.muted = false;
    this.demo.setAttribute("aria-label", t("call.demo"));
    this.tiles = new Tiles(t);
    stage.append(this.remote, this.remoteNote, this.demo, this.local, this.tiles.root, this.statusLine);
    this.recordingBadge.textContent = `● ${t("call.recording.active")}`;

    const info = el("div", { class: "cv-info" });
    const timer = el("span", { class: "cv-timer-wrap", title: t("call.timer") });
    timer.append(el("span", { class: "cv-sr" }, `${t("call.timer")}: `), this.clock);
    this.withdrawButton.textContent = t("call.recording.withdraw");
    this.withdrawButton.addEventListener("click", () => this.withdraw?.());
    info.append(timer, this.qualityBadge, this.recordingBadge, this.withdrawButton);

    const button = (label: string, cls: string, onClick: () => void): HTMLButtonElement => {
      const b = el("button", { type: "button", class: `cv-btn ${cls}` }, label);
      b.addEventListener("click", onClick);
      return b;
    };
    this.micButton = button(t("call.mic.mute"), "cv-mic", actions.mic);
    this.cameraButton = button(t("call.camera.off"), "cv-camera", actions.camera);
    this.screenButton = button(t("call.screen.start"), "cv-screen", actions.screen);
    this.endButton = button(t("call.end"), "cv-end", actions.end);
    this.micButton.setAttribute("aria-pressed", "false");
    this.cameraButton.setAttribute("aria-pressed", "false");
    this.screenButton.setAttribute("aria-pressed", "false");
    if (!navigator.mediaDevices?.getDisplayMedia) this.screenButton.hidden = true;

    const devices = el("details", { class: "cv-devices" });
    this.devicesBox = devices;
    devices.append(el("summary", {}, t("call.devices")));
    for (const [label, select, kind] of [
      [t("call.devices.camera"), this.cameraSelect, "camera"],
      [t("call.devices.mic"), this.micSelect, "mic"],
    ] as const) {
      const wrap = el("label", { class: "cv-device" }, label);
      wrap.append(select);
      select.addEventListener("change", () => actions.device(kind, select.value));
      devices.append(wrap);
    }

    const controls = el("div", { class: "cv-controls", role: "toolbar", "aria-label": t("call.title") });
    controls.append(this.micButton, this.cameraButton, this.screenButton, devices, this.endButton);
    this.root.append(stage, info, this.consentBox, this.noticeBox, controls);
    container.append(this.root);
  }

  status(text: string, state: string): void {
    this.statusLine.textContent = text;
    this.root.dataset.state = state;
    this.statusLine.hidden = state === "connected";
  }

  notice(text: string): void {
    this.noticeBox.textContent = text;
    this.noticeBox.hidden = false;
  }

  timer(ms: number): void {
    this.clock.textContent = formatDuration(ms);
  }

  quality(label: string, details: string, level: string): void {
    this.qualityBadge.hidden = false;
    this.qualityBadge.dataset.level = level;
    this.qualityBadge.textContent = `${this.t("call.quality")}: ${label}`;
    this.qualityBadge.title = details;
    this.qualityBadge.setAttribute("aria-description", details);
  }

  /** Extra controls under the call's own (the agent's server-peer tools). */
  addTools(panel: HTMLElement): void {
    this.root.append(panel);
  }

  /** A supervisor observing: nothing to send, so no mic, camera, screen or devices;
   * "end" only leaves. */
  observing(): void {
    for (const b of [this.micButton, this.cameraButton, this.screenButton]) b.hidden = true;
    if (this.devicesBox) this.devicesBox.hidden = true;
    this.endButton.textContent = this.t("call.observer.leave");
    this.root.classList.add("cv-observing");
    this.notice(this.t("call.observer.notice"));
  }

  /** An observer's second participant (the agent), in the small tile, with sound. */
  showSecond(stream: MediaStream, name: string): void {
    if (this.local.srcObject !== stream) this.local.srcObject = stream;
    this.local.hidden = false;
    this.local.muted = false;
    this.local.setAttribute("aria-label", name);
    this.local.play().catch(() => {});
  }

  showLocal(stream: MediaStream): void {
    this.local.srcObject = stream.getVideoTracks().length ? stream : null;
    this.local.hidden = !stream.getVideoTracks().length;
  }

  showLocalVideo(track: MediaStreamTrack): void {
    this.local.srcObject = new MediaStream([track]);
    this.local.hidden = false;
  }

  /** The main picture's person is speaking (the active speaker highlight). */
  mainSpeaking(on: boolean): void {
    this.remote.classList.toggle("cv-speaking", on);
  }

  showRemote(stream: MediaStream, name: string): void {
    if (this.remote.srcObject !== stream) this.remote.srcObject = stream;
    this.remote.setAttribute("aria-label", name);
    this.remote.play().catch(() => this.playMuted());
  }

  remoteMediaState(name: string, s: { camera: boolean; screen: boolean }): void {
    this.remoteNote.hidden = !s.screen;
    this.remoteNote.textContent = s.screen ? `${name} ${this.t("call.peer.screen")}` : "";
    this.root.classList.toggle("cv-remote-screen", s.screen);
  }

  /** Autoplay with sound was refused (no capture, no gesture yet): play muted and
   * offer a button that turns the sound on. */
  private playMuted(): void {
    this.remote.muted = true;
    void this.remote.play().catch(() => undefined);
    if (this.root.querySelector(".cv-sound")) return;
    const button = el("button", { type: "button", class: "cv-btn cv-sound" }, this.t("call.sound.enable"));
    button.addEventListener("click", () => {
      this.remote.muted = false;
      void this.remote.play();
      button.remove();
    });
    this.noticeBox.after(button);
  }

  showDemo(stream: MediaStream | null): void {
    if (stream && this.demo.srcObject !== stream) this.demo.srcObject = stream;
    if (!stream) this.demo.srcObject = null;
    if (stream) void this.demo.play().catch(() => undefined);
  }

  demoState(playing: boolean): void {
    this.demo.hidden = !playing;
  }

  /** ``withdraw``: the customer may stop the recording (withdraw their consent). */
  recording(on: boolean, withdraw?: () => void): void {
    this.recordingBadge.hidden = !on;
    this.withdraw = on && withdraw ? withdraw : null;
    this.withdrawButton.hidden = !this.withdraw;
  }

  /** ``answer`` gets the prompt's text as shown, for the consent record. */
  askConsent(answer: (granted: boolean, shown: string) => void): void {
    const box = this.consentBox;
    box.setAttribute("aria-label", this.t("call.recording.consent"));
    const text = el("p", {}, this.t("call.recording.consent"));
    const reply = (granted: boolean) => () => {
      box.hidden = true;
      box.replaceChildren();
      answer(granted, text.textContent ?? "");
    };
    const yes = el("button", { type: "button", class: "cv-btn cv-primary" }, this.t("call.recording.accept"));
    const no = el("button", { type: "button", class: "cv-btn" }, this.t("call.recording.decline"));
    yes.addEventListener("click", reply(true));
    no.addEventListener("click", reply(false));
    box.replaceChildren(text, yes, no);
    box.hidden = false;
  }

  /** Calls ``done`` once, when the remote video presents its first frame: an event
   * of the element, so nothing polls while the call is being set up. */
  onFirstRemoteFrame(done: () => void): void {
    const video = this.remote;
    if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(() => done());
    else video.addEventListener("loadeddata", () => done(), { once: true });
  }

  remoteVideoSize(): { width: number; height: number } {
    return { width: this.remote.videoWidth, height: this.remote.videoHeight };
  }

  setControls(has: { mic: boolean; camera: boolean }): void {
    this.micButton.disabled = !has.mic;
    this.cameraButton.disabled = !has.camera;
  }

  micState(on: boolean): void {
    this.micButton.textContent = this.t(on ? "call.mic.mute" : "call.mic.unmute");
    this.micButton.setAttribute("aria-pressed", String(!on));
  }

  cameraState(on: boolean): void {
    this.cameraButton.textContent = this.t(on ? "call.camera.off" : "call.camera.on");
    this.cameraButton.setAttribute("aria-pressed", String(!on));
  }

  screenState(on: boolean): void {
    this.screenButton.textContent = this.t(on ? "call.screen.stop" : "call.screen.start");
    this.screenButton.setAttribute("aria-pressed", String(on));
  }

  devices(
    found: { cameras: MediaDeviceInfo[]; mics: MediaDeviceInfo[] },
    current: { camera?: string; mic?: string },
  ): void {
    const fill = (select: HTMLSelectElement, list: MediaDeviceInfo[], selected?: string): void => {
      select.replaceChildren(
        ...list.map((d, i) => {
          const option = el("option", { value: d.deviceId }, d.label || `${i + 1}`);
          option.selected = d.deviceId === selected;
          return option;
        }),
      );
      select.disabled = list.length < 2;
    };
    fill(this.cameraSelect, found.cameras, current.camera);
    fill(this.micSelect, found.mics, current.mic);
  }

  ended(text: string): void {
    for (const b of [this.micButton, this.cameraButton, this.screenButton, this.endButton]) {
      b.disabled = true;
    }
    this.remote.srcObject = null;
    this.local.srcObject = null;
    this.statusLine.hidden = false;
    this.notice(text);
  }

  destroy(): void {
    this.root.remove();
    void this.container;
  }
}
