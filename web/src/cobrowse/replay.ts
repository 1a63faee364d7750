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
 * When the session's call was recorded too (`GET /api/recordings?session_id=`), the
 * videos play alongside, kept on the same clock (wall-clock start of each recording
 * against the first co-browse event) through play, pause, seek and speed.
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
.cv-replay-body { display: flex; gap: 12px; align-items: flex-start; }
.cv-replay-stage { position: relative; overflow: hidden; background: #eef1f5; height: 60vh; flex: 2; }
.cv-replay-videos { flex: 1; display: flex; flex-direction: column; gap: 8px; min-width: 0; }
.cv-replay-videos:empty { display: none; }
.cv-replay-videos figure { margin: 0; }
.cv-replay-videos video { width: 100%; background: #111; border-radius: 8px; }
.cv-replay-videos figcaption { color: #4a5563; font-size: 13px; }
.cv-replay-frame { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.cv-replay-frame iframe { border: 0; background: #fff; }
.cv-replay .replayer-mouse { position: absolute; width: 14px; height: 14px; border-radius: 50%;
  background: rgba(73, 80, 246, .6); margin: -7px 0 0 -7px; }
`;

const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

type Video = { url: string; role: string; startedAt: number };

/** The session's call recordings as object URLs (the file API wants the bearer token,
 * which a <video src> cannot send); none when there are none or on any error. */
async function loadVideos(base: string, token: string, sessionId: string): Promise<Video[]> {
  const headers = { Authorization: `Bearer ${token}` };
  try {
    const listed = await fetch(`${base}/api/recordings?session_id=${encodeURIComponent(sessionId)}`, { headers });
    if (!listed.ok) return [];
    const { recordings } = (await listed.json()) as {
      recordings: { url: string; role: string; started_at: string }[];
    };
    const videos: Video[] = [];
    for (const recording of recordings) {
      const file = await fetch(`${base}${recording.url}`, { headers });
      if (!file.ok) continue;
      videos.push({
        url: URL.createObjectURL(await file.blob()),
        role: recording.role,
        startedAt: Date.parse(recording.started_at),
      });
    }
    return videos;
  } catch {
    return [];
  }
}

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
  const events = (await response.json()) as { timestamp?: number }[];
  const videos = await loadVideos(base, options.token, options.sessionId);

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
  const side = document.createElement("div");
  side.className = "cv-replay-videos";
  const body = document.createElement("div");
  body.className = "cv-replay-body";
  body.append(stage, side);
  root.append(controls, body);
  const startedAt = events.find((e) => typeof e.timestamp === "number")?.timestamp ?? 0;
  const clips = videos.map((video) => {
    const figure = document.createElement("figure");
    const element = document.createElement("video");
    element.src = video.url;
    element.preload = "auto";
    element.playsInline = true;
    const caption = document.createElement("figcaption");
    caption.textContent = t("cobrowse.replay.video", { role: video.role });
    figure.append(element, caption);
    side.append(figure);
    return { element, offsetMs: video.startedAt - startedAt };
  });
  /** Put every video where the co-browse replay is (`at` ms into it). */
  const syncVideos = (at: number, play: boolean, force = false) => {
    for (const clip of clips) {
      const target = (at - clip.offsetMs) / 1000;
      const inside = target >= 0 && (!clip.element.duration || target < clip.element.duration);
      if (force || Math.abs(clip.element.currentTime - Math.max(0, target)) > 0.3) {
        clip.element.currentTime = Math.max(0, target);
      }
      if (play && inside && clip.element.paused) void clip.element.play().catch(() => {});
      if ((!play || !inside) && !clip.element.paused) clip.element.pause();
    }
  };

  const replayer = new Replayer(events as never[], { root: frame, mouseTail: false, showWarning: false });
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
  let lastSync = 0;
  const tick = (now = 0) => {
    render();
    if (clips.length && playing && now - lastSync > 500) { // correct drift twice a second
      lastSync = now;
      syncVideos(replayer.getCurrentTime(), true);
    }
    raf = requestAnimationFrame(tick);
  };
  tick();

  const play = () => {
    const at = replayer.getCurrentTime();
    replayer.play(at >= total ? 0 : at);
    playing = true;
    syncVideos(at >= total ? 0 : at, true, true);
    render();
  };
  const pause = () => {
    replayer.pause();
    playing = false;
    syncVideos(replayer.getCurrentTime(), false, true);
    render();
  };
  toggle.onclick = () => (playing ? pause() : play());
  timeline.oninput = () => {
    const at = Number(timeline.value);
    if (playing) replayer.play(at); else replayer.pause(at);
    syncVideos(at, playing, true);
  };
  const setSpeed = (value: number) => {
    replayer.setConfig({ speed: value });
    speed.value = String(value);
    for (const clip of clips) clip.element.playbackRate = value;
  };
  speed.onchange = () => setSpeed(Number(speed.value));
  replayer.pause(0);
  render();

  return {
    play, pause, setSpeed,
    destroy() {
      cancelAnimationFrame(raf);
      replayer.destroy();
      for (const video of videos) URL.revokeObjectURL(video.url);
      root.remove();
    },
    get replayer() { return replayer; },
  };
}
