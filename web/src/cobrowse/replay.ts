/**
 * coview co-browse recording player, for supervisors. Self-contained:
 *
 *   import { mountCobrowseReplay } from "/static/dist/cobrowse-replay.js";
 *   const player = await mountCobrowseReplay(element, { token, sessionId, lang: "pt" });
 *   player.play(); player.pause(); player.setSpeed(2); player.destroy();
 *
 * `token` is a supervisor's access token. Loads the masked event stream from
 * `GET /api/cobrowse/recordings/{sessionId}/events` and plays it with rrweb's Replayer
 * in a sandboxed iframe, with play/pause, a timeline to seek and a speed selector.
 */
import { keepCanvasesPainted } from "./canvas";
import { Replayer } from "@rrweb/replay";
import { translator } from "./i18n";

export type ReplayOptions = { token: string; sessionId: string; lang?: string; server?: string };
export type ReplayHandle = {
  play(): void; pause(): void; setSpeed(speed: number): void; destroy(): void;
  readonly replayer: Replayer | null;
};

const CSS = `
.cv-replay { display: flex; flex-direction: column; gap: 8px; font: 14px/1.4 system-ui, sans-serif; }
.cv-replay-controls { display: flex; gap: 10px; align-items: center; }
.cv-replay-controls input[type=range] { flex: 1; }
.cv-replay-controls button, .cv-replay-controls select { font: inherit; padding: 4px 10px; border-radius: 8px;
  border: 1px solid #dde3ea; background: #fff; }
.cv-replay-stage { position: relative; overflow: hidden; background: #eef1f5; height: 60vh; }
.cv-replay-frame { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.cv-replay-frame iframe { border: 0; background: #fff; }
.cv-replay .replayer-mouse { position: absolute; width: 14px; height: 14px; border-radius: 50%;
  background: rgba(73, 80, 246, .6); margin: -7px 0 0 -7px; }
`;

const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

export async function mountCobrowseReplay(container: HTMLElement, options: ReplayOptions): Promise<ReplayHandle> {
  const t = translator(options.lang);
  if (!document.getElementById("coview-replay-css")) {
    const style = document.createElement("style");
    style.id = "coview-replay-css";
    style.textContent = CSS;
    document.head.append(style);
  }
  const root = document.createElement("div");
  root.className = "cv-replay";
  container.append(root);
  const base = options.server || location.origin;
  const response = await fetch(
    `${base}/api/cobrowse/recordings/${encodeURIComponent(options.sessionId)}/events`,
    { headers: { Authorization: `Bearer ${options.token}` } },
  );
  if (!response.ok) {
    const message = document.createElement("p");
    message.setAttribute("role", "alert");
    message.textContent = t("cobrowse.replay.missing");
    root.append(message);
    return { play() {}, pause() {}, setSpeed() {}, destroy: () => root.remove(), replayer: null };
  }
  const events = await response.json();

  const controls = document.createElement("div");
  controls.className = "cv-replay-controls";
  const toggle = document.createElement("button");
  toggle.type = "button";
  const timeline = document.createElement("input");
  timeline.type = "range";
  timeline.min = "0";
  timeline.setAttribute("aria-label", t("cobrowse.replay.timeline"));
  const time = document.createElement("output");
  const speed = document.createElement("select");
  speed.setAttribute("aria-label", t("cobrowse.replay.speed"));
  for (const value of [1, 2, 4, 8]) speed.add(new Option(`${value}×`, String(value)));
  controls.append(toggle, timeline, time, speed);
  const stage = document.createElement("div");
  stage.className = "cv-replay-stage";
  const frame = document.createElement("div");
  frame.className = "cv-replay-frame";
  stage.append(frame);
  root.append(controls, stage);

  const replayer = new Replayer(events, { root: frame, mouseTail: false, showWarning: false });
  const total = replayer.getMetaData().totalTime;
  timeline.max = String(total);
  let playing = false;
  let size = { width: 0, height: 0 };
  const fit = () => {
    if (!size.width) return;
    const box = stage.getBoundingClientRect();
    frame.style.transform = `scale(${Math.min(box.width / size.width, box.height / size.height)})`;
  };
  replayer.on("resize", (d) => { size = d as typeof size; fit(); });
  replayer.on("finish", () => { playing = false; render(); });
  keepCanvasesPainted(() => replayer.iframe?.contentDocument);
  new ResizeObserver(fit).observe(stage);

  const render = () => {
    toggle.textContent = playing ? t("cobrowse.replay.pause") : t("cobrowse.replay.play");
    const now = Math.min(total, replayer.getCurrentTime());
    timeline.value = String(now);
    time.textContent = `${clock(now)} / ${clock(total)}`;
  };
  let raf = 0;
  const tick = () => { render(); raf = requestAnimationFrame(tick); };
  tick();

  const play = () => {
    const at = replayer.getCurrentTime();
    replayer.play(at >= total ? 0 : at);
    playing = true;
    render();
  };
  const pause = () => { replayer.pause(); playing = false; render(); };
  toggle.onclick = () => (playing ? pause() : play());
  timeline.oninput = () => {
    const at = Number(timeline.value);
    if (playing) replayer.play(at); else replayer.pause(at);
  };
  const setSpeed = (value: number) => {
    replayer.setConfig({ speed: value });
    speed.value = String(value);
  };
  speed.onchange = () => setSpeed(Number(speed.value));
  replayer.pause(0);
  render();

  return {
    play, pause, setSpeed,
    destroy() { cancelAnimationFrame(raf); replayer.destroy(); root.remove(); },
    get replayer() { return replayer; },
  };
}
