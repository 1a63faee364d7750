/**
 * coview call UI: a self-contained one-to-one (or small group) WebRTC call.
 *
 *   import { mountCall } from "./call";
 *   const call = mountCall(container, { token, sessionId, lang: "es" });
 *   ...
 *   call.end();            // hang up: tells the others, stops devices, removes the UI
 *
 * Options (CallOptions):
 *   token        agent access token or customer/participant session token
 *   sessionId    the session to join (Socket.IO namespace /session, event `join`)
 *   lang         "es" | "en" | "pt" (default "en")
 *   role         informational ("customer" | "agent" | ...); roles come from the token
 *   serverUrl    origin of the coview server (default: the page's origin)
 *   iceTransportPolicy  "all" (default) or "relay" (force TURN)
 *   onEnd(reason)       called once when the call ends (locally or by the server)
 *
 * Controller (CallController):
 *   end(reason?)         hang up
 *   history              states visited, in order
 *   marks                {joined, firstRemoteFrame} epoch ms (bench/media.py)
 *   state                "connecting" | "waiting" | "connected" | "reconnecting" |
 *                        "peer_reconnecting" | "ended"
 *   toggleMic(), toggleCamera(), startScreenShare(), stopScreenShare()
 *   stats()              per remote peer: {rttMs, lossPct, kbps, level, framesDecoded}
 *   remoteVideoSize()    {width, height} of the first remote video (0 when none)
 *   dropConnection()     closes the websocket as a network drop would (tests, demos)
 *   request(event, payload)  agent requests to the server peer (recording with the
 *                        customer's consent, demo playback, snapshot); see Ack.
 *   recording, demoPlaying   current server-peer state
 *
 * The server peer appears as peer {id: "media", role: "server"}: it always offers;
 * its video (a product demo) shows in a separate tile. The customer's UI asks for
 * recording consent itself when the server sends `recording-consent`.
 *
 * Wire: PROTOCOL.md `/session`. Perfect negotiation roles: the server's `polite`
 * from the join ack (the agent is impolite); between two polite peers the larger id
 * yields. The impolite side of each pair creates the transceivers and offers.
 * Reconnect: Socket.IO reconnects by itself; on every (re)connect the UI joins again
 * with the same token and the offerer restarts ICE on the existing connection; a
 * reloaded remote page (new DTLS fingerprint) gets a fresh RTCPeerConnection.
 */
import { io, type Socket } from "socket.io-client";
import { honourDraining } from "../shared/draining";

import { isUnavailable, reconnectWhenUnavailable, RETRY_MS } from "../shared/socket";
import type { Ack } from "./ack";
import { AgentTools } from "./agent-tools";
import { CoachPanel, type CoachMode } from "./coach-view";
import { shownLang, translator, type Translate } from "./i18n";
import { listDevices, openLocalMedia } from "./media";
import { PeerLink, RemoteReset, type Signal } from "./peer";
import { QualityMeter, type Quality } from "./stats";
import { CallView } from "./view";

export type CallState =
  | "connecting"
  | "waiting"
  | "connected"
  | "reconnecting"
  | "peer_reconnecting"
  | "ended";

export interface CallOptions {
  token: string;
  sessionId: string;
  lang?: string;
  role?: string;
  serverUrl?: string;
  iceTransportPolicy?: RTCIceTransportPolicy;
  onEnd?: (reason: string) => void;
  /** A supervisor observing: no camera or microphone, receive-only links, no controls. */
  observe?: boolean;
}

export type AgentRequest =
  | "recording-start"
  | "recording-stop"
  | "demo-play"
  | "demo-stop"
  | "snapshot";

export type { Ack } from "./ack";

export interface CallController {
  /** Whether the server is recording this call; whether a demo clip is playing. */
  readonly recording: boolean;
  readonly demoPlaying: boolean;
  /** Agent requests to the server peer: "recording-start" (the customer is asked
   * for consent), "recording-stop", "demo-play" {name}, "demo-stop",
   * "snapshot" {peer_id?} → ack {snapshot: {name, url, width, height}}. */
  request(event: AgentRequest, payload?: Record<string, unknown>): Promise<Ack>;
  readonly state: CallState;
  /** Epoch ms of the join ack and of the first remote video frame shown (benchmarks). */
  readonly marks: CallMarks;
  /** Every state the call went through, in order (for tests and diagnostics). */
  readonly history: readonly CallState[];
  end(reason?: string): void;
  /** Leave without ending the call for the others (a transfer, an observer). */
  leave(): void;
  toggleMic(): void;
  toggleCamera(): void;
  startScreenShare(): Promise<boolean>;
  stopScreenShare(): void;
  stats(): Promise<Record<string, Quality>>;
  remoteVideoSize(): { width: number; height: number };
  dropConnection(): void;
  /** A supervisor's coaching mode (issue #25): "observe" (receive only), "whisper"
   * (audio to the agent only) or "barge" (a participant everyone sees and hears). */
  readonly coachMode: CoachMode;
  coach(mode: CoachMode): Promise<Ack>;
  /** Internal text between the agent and a supervisor (never shown to the customer). */
  whisperChat(text: string): Promise<Ack>;
}

/** Epoch ms of the join ack, of the first remote video frame, and of the first
 * person-to-person link's set-up steps (``PeerLink.marks``): call set-up diagnostics. */
export interface CallMarks {
  joined?: number;
  firstRemoteFrame?: number;
  link?: Record<string, number>;
}

interface PeerInfo {
  id: string;
  role: string;
  name: string;
  mode?: string;
}

interface JoinAck {
  ok: boolean;
  error?: { code: string; message: string };
  self: PeerInfo;
  peers: PeerInfo[];
  polite: boolean;
  ice_servers: RTCIceServer[];
}

interface Remote {
  info: PeerInfo;
  link: PeerLink;
  meter: QualityMeter;
  createdAt: number;
}

const SERVER_ROLE = "server";
const MEDIA_PEER: PeerInfo = { id: "media", role: SERVER_ROLE, name: "coview" };
const isPolite = (role: string): boolean => role !== "agent";
const COACH_RANK: Record<CoachMode, number> = { observe: 0, whisper: 1, barge: 2 };

class Call implements CallController {
  state: CallState = "connecting";
  readonly history: CallState[] = [];
  readonly marks: CallMarks = {};
  private readonly t: Translate;
  private readonly view: CallView;
  private readonly socket: Socket;
  private readonly remotes = new Map<string, Remote>();
  private self: PeerInfo | null = null;
  private polite = true;
  private iceServers: RTCIceServer[] = [];
  private certificate: RTCCertificate | null = null;
  private tools: AgentTools | null = null;
  private local = new MediaStream();
  private camera: MediaStreamTrack | null = null;
  private screen: MediaStreamTrack | null = null;
  private mic: MediaStreamTrack | null = null;
  private ready: Promise<void>;
  private connectedAt: number | null = null;
  private timers: number[] = [];
  private ended = false;
  recording = false;
  private joined = false;
  private readonly away = new Set<string>(); // peers whose socket dropped (reconnect window)
  demoPlaying = false;
  coachMode: CoachMode = "observe";
  private coachPanel: CoachPanel | null = null;
  private primary: string | null = null; // the peer in the main picture

  constructor(
    container: HTMLElement,
    private readonly opts: CallOptions,
  ) {
    this.t = translator(opts.lang ?? "en");
    this.view = new CallView(container, this.t, {
      mic: () => this.toggleMic(),
      camera: () => this.toggleCamera(),
      screen: () => void (this.screen ? this.stopScreenShare() : this.startScreenShare()),
      end: () => this.end("ended"),
      device: (kind, id) => void this.switchDevice(kind, id),
    });
    this.setState("connecting");
    const devices = opts.observe ? Promise.resolve(this.view.observing()) : this.openDevices();
    this.ready = Promise.all([devices, this.makeCertificate()]).then(() => undefined);
    this.socket = io(`${opts.serverUrl ?? location.origin}/session`, {
      auth: { token: opts.token },
      transports: ["websocket"],
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
    });
    honourDraining(this.socket);
    this.socket.on("connect", () => void this.join());
    reconnectWhenUnavailable(this.socket);
    this.socket.on("disconnect", (reason) => {
      this.joined = false;
      if (this.ended) return;
      if (reason === "io server disconnect") this.socket.connect();
      this.setState("reconnecting");
    });
    this.socket.on("connect_error", (error: Error & { data?: { message?: string } }) => {
      this.view.notice(this.t("call.error.connect", { message: error.data?.message ?? error.message }));
    });
    this.socket.on("peer-joined", ({ peer }: { peer: PeerInfo }) => this.peerJoined(peer));
    this.socket.on("peer-left", ({ peer, reason }: { peer: PeerInfo; reason?: string }) => {
      if (reason === "left") { // on purpose (transferred, observer gone): no waiting for them
        this.remotes.get(peer.id)?.link.close();
        this.remotes.delete(peer.id);
        this.away.delete(peer.id);
        this.view.tiles.remove(peer.id);
        if (this.primary === peer.id) this.primary = null;
        if (peer.mode === "whisper" && this.self?.role === "agent") this.coachPanel?.whisper(null);
        this.setState(this.linkState());
      } else if (peer.role === SERVER_ROLE) {
        this.remotes.get(peer.id)?.link.close();
        this.remotes.delete(peer.id);
        this.view.showDemo(null);
      } else if (this.remotes.has(peer.id)) {
        this.away.add(peer.id);
        this.setState("peer_reconnecting");
      }
    });
    // Every answer goes with the text shown and its language: the consent record.
    this.socket.on("recording-consent", () =>
      this.view.askConsent((granted, text) =>
        void this.socket.emitWithAck("recording-consent", { granted, text, lang: shownLang(this.opts.lang ?? "en") }),
      ),
    );
    this.socket.on("recording", ({ state, reason }: { state: string; reason?: string }) => {
      this.recording = state === "started";
      const customer = this.self?.role === "customer";
      this.view.recording(this.recording, customer ? () => this.withdrawRecording() : undefined);
      if (reason === "withdrawn" && customer) this.view.notice(this.t("call.recording.withdrawn"));
      this.tools?.recordingState(reason === "withdrawn" ? "withdrawn" : state);
    });
    this.socket.on("demo", ({ state }: { state: string }) => {
      this.demoPlaying = state === "playing";
      this.view.demoState(this.demoPlaying);
      this.tools?.demoState(this.demoPlaying);
    });
    this.socket.on("signal", (signal: { from: string } & Omit<Signal, "to">) => void this.onSignal(signal));
    this.socket.on("media-state", (s: { from: string; camera: boolean; screen: boolean; mic: boolean }) => {
      const name = this.remotes.get(s.from)?.info.name ?? this.t("call.remote");
      this.view.remoteMediaState(name, s);
    });
    this.socket.on("end", ({ reason }: { reason: string }) => this.finish(reason, false));
    this.socket.on("coaching", (c: { peer: PeerInfo; mode: CoachMode; previous: CoachMode }) => this.onCoaching(c));
    this.socket.on("whisper-chat", (m: { name: string; text: string }) => this.coachPanel?.message(m.name, m.text));
    if (opts.observe) {
      this.coachPanel = new CoachPanel(this.t, {
        coach: (mode) => void this.coach(mode).then((ack) => {
          if (!ack.ok) this.view.notice(this.t("call.coach.error", { message: ack.error?.message ?? "" }));
        }),
        chat: (text) => void this.whisperChat(text),
      });
      this.coachPanel.mode("observe");
      this.view.addTools(this.coachPanel.root);
    }
    this.timers.push(window.setInterval(() => void this.tick(), 1000));
  }

  private async openDevices(): Promise<void> {
    const { stream, notice } = await openLocalMedia();
    this.local = stream;
    this.mic = stream.getAudioTracks()[0] ?? null;
    this.camera = stream.getVideoTracks()[0] ?? null;
    this.view.showLocal(stream);
    this.view.setControls({ mic: !!this.mic, camera: !!this.camera });
    if (notice) this.view.notice(this.t(notice));
    const devices = await listDevices();
    this.view.devices(devices, {
      camera: this.camera?.getSettings().deviceId,
      mic: this.mic?.getSettings().deviceId,
    });
  }

  /** The DTLS certificate, made while the camera opens: otherwise the first offer or
   * answer waits for its key to be generated after the peer is already there. */
  private async makeCertificate(): Promise<void> {
    try {
      this.certificate = await RTCPeerConnection.generateCertificate({ name: "ECDSA", namedCurve: "P-256" } as EcKeyGenParams);
    } catch {
      this.certificate = null; // each connection makes its own
    }
  }

  private async join(): Promise<void> {
    await this.ready;
    const ack = (await this.socket.emitWithAck("join", { session_id: this.opts.sessionId })) as JoinAck;
    if (!ack.ok) {
      this.view.notice(this.t("call.error.join", { message: ack.error?.message ?? "" }));
      if (ack.error?.code === "conflict" || ack.error?.code === "forbidden") this.finish("ended", false);
      if (isUnavailable(ack)) setTimeout(() => { if (this.socket.connected && !this.joined) void this.join(); }, RETRY_MS);
      return;
    }
    this.joined = true;
    this.marks.joined ??= Date.now();
    this.self = ack.self;
    this.polite = ack.polite;
    if (ack.self.role === "agent" && !this.tools) {
      this.tools = new AgentTools({
        t: this.t,
        token: this.opts.token,
        serverUrl: this.opts.serverUrl ?? location.origin,
        request: (event, payload) => this.request(event as AgentRequest, payload),
      });
      this.view.addTools(this.tools.root);
      this.coachPanel = new CoachPanel(this.t, { chat: (text) => void this.whisperChat(text) });
      this.view.addTools(this.coachPanel.root);
    }
    // The server forgets a mode with the connection: a rejoin tells it again.
    if (this.opts.observe && this.coachMode !== "observe") {
      void this.socket.emitWithAck("coach", { mode: this.coachMode });
    }
    this.iceServers = ack.ice_servers;
    this.sendMediaState();
    for (const peer of ack.peers) {
      const existing = this.remotes.get(peer.id);
      if (existing) {
        void existing.link.resync();
      } else {
        this.addRemote(peer);
      }
    }
    this.setState(this.remotes.size ? this.linkState() : "waiting");
  }

  private pairPolite(peer: PeerInfo): boolean {
    if (peer.role === SERVER_ROLE) return true; // the server peer always offers
    if (this.polite !== isPolite(peer.role)) return this.polite;
    return (this.self?.id ?? "") > peer.id;
  }

  private isOfferer(peer: PeerInfo): boolean {
    return !this.pairPolite(peer);
  }

  private addRemote(peer: PeerInfo): Remote {
    const link = new PeerLink(
      {
        peerId: peer.id,
        polite: this.pairPolite(peer),
        offerer: this.isOfferer(peer),
        config: {
          iceServers: this.iceServers,
          iceTransportPolicy: this.opts.iceTransportPolicy ?? "all",
          ...(this.certificate ? { certificates: [this.certificate] } : {}),
        },
        // Not joined (socket down): drop it; resync() renegotiates after the rejoin.
        send: (signal) => {
          if (this.joined) this.socket.emit("signal", signal);
        },
        onRemoteStream: (stream) => this.showStream(peer, stream),
        onState: () => this.setState(this.linkState()),
        receiveOnly: this.opts.observe,
      },
      this.mic,
      this.screen ?? this.camera,
    );
    const remote = { info: peer, link, meter: new QualityMeter(link.pc), createdAt: Date.now() };
    if (peer.role !== SERVER_ROLE && !this.marks.link) {
      this.marks.link = link.marks;
      // Not getStats in a loop: polling it every few ms ate CPU the set-up needs.
      this.view.onFirstRemoteFrame(() => {
        this.marks.firstRemoteFrame ??= link.marks.first_frame = Date.now();
      });
    }
    this.remotes.get(peer.id)?.link.close();
    this.remotes.set(peer.id, remote);
    if (this.opts.observe && this.coachMode !== "observe") void link.sendOnly(this.coachTracks(peer));
    if (peer.role === "observer" && this.self?.role === "agent") this.coachPanel?.present();
    if (peer.mode === "whisper" && this.self?.role === "agent") {
      this.coachPanel?.whisper(peer.name);
      this.view.tiles.whisper(peer.id, true);
    }
    return remote;
  }

  /** The main picture is the customer (for the customer: the agent); anyone else gets
   * a tile with their name and role. */
  private showStream(peer: PeerInfo, stream: MediaStream): void {
    if (peer.role === SERVER_ROLE) return this.view.showDemo(stream);
    const main = this.self?.role === "customer" ? "agent" : "customer";
    if (peer.role === main && (this.primary === null || this.primary === peer.id)) {
      this.primary = peer.id;
      this.view.showRemote(stream, peer.name);
    } else {
      this.view.tiles.show(peer.id, stream, peer.name, peer.role);
    }
  }

  /** What a coaching supervisor sends on the link to ``peer`` in the current mode. */
  private coachTracks(peer: PeerInfo): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } {
    const barge = this.coachMode === "barge";
    const audio = barge || (this.coachMode === "whisper" && peer.role === "agent") ? this.mic : null;
    return { audio, video: barge && peer.role !== SERVER_ROLE ? this.camera : null };
  }

  private async applyCoaching(): Promise<void> {
    for (const remote of this.remotes.values()) {
      if (remote.info.role === SERVER_ROLE) continue;
      await remote.link.sendOnly(this.coachTracks(remote.info));
    }
  }

  /** Less sending is applied before the server hears of it, more only after it agreed:
   * the server refuses any description that sends more than the mode it knows. */
  async coach(mode: CoachMode): Promise<Ack> {
    if (!this.opts.observe) return { ok: false, error: { code: "forbidden", message: "not observing" } };
    if (mode !== "observe" && !this.mic) {
      const { stream } = await openLocalMedia();
      this.local = stream;
      this.mic = stream.getAudioTracks()[0] ?? null;
      this.camera = stream.getVideoTracks()[0] ?? null;
    }
    const shrinking = COACH_RANK[mode] < COACH_RANK[this.coachMode];
    const previous = this.coachMode;
    if (shrinking) {
      this.coachMode = mode;
      await this.applyCoaching();
    }
    const ack = (await this.socket.emitWithAck("coach", { mode })) as Ack;
    if (!ack.ok) {
      if (shrinking) this.coachMode = previous;
      return ack;
    }
    this.coachMode = mode;
    if (!shrinking) await this.applyCoaching();
    this.view.showLocal(mode === "barge" ? this.local : new MediaStream());
    this.coachPanel?.mode(mode);
    return ack;
  }

  async whisperChat(text: string): Promise<Ack> {
    const ack = (await this.socket.emitWithAck("whisper-chat", { text })) as Ack;
    if (ack.ok) this.coachPanel?.message(this.t("call.you"), text);
    return ack;
  }

  private onCoaching({ peer, mode, previous }: { peer: PeerInfo; mode: CoachMode; previous: CoachMode }): void {
    const remote = this.remotes.get(peer.id);
    if (remote) remote.info = { ...remote.info, mode };
    if (this.self?.role === "agent") {
      this.coachPanel?.whisper(mode === "whisper" ? peer.name : null);
      this.view.tiles.whisper(peer.id, mode === "whisper");
    }
    if (mode === "barge") this.view.notice(this.t("call.coach.barged", { name: peer.name }));
    else if (previous === "barge") {
      this.view.tiles.remove(peer.id);
      if (this.self?.role === "customer") this.view.notice(this.t("call.coach.unbarged", { name: peer.name }));
    }
  }

  private peerJoined(peer: PeerInfo): void {
    const wasAway = this.away.delete(peer.id);
    const existing = this.remotes.get(peer.id);
    if (existing) {
      existing.info = peer;
      // Two peers joining at once may each learn of the other twice (ack + event):
      // a link just made needs no resync; a returning peer does.
      if (wasAway || Date.now() - existing.createdAt > 1000) void existing.link.resync();
      this.setState(this.linkState());
    } else {
      this.addRemote(peer);
      // An expert brought in mid-call: everyone is told who joined.
      if (peer.role === "participant") this.view.notice(this.t("call.coach.joined", { name: peer.name }));
    }
    this.sendMediaState();
  }

  private async onSignal(signal: { from: string } & Omit<Signal, "to">): Promise<void> {
    let remote = this.remotes.get(signal.from);
    if (!remote && signal.from === MEDIA_PEER.id) remote = this.addRemote(MEDIA_PEER);
    if (!remote) return; // not (yet) in this call: peer-joined comes first
    try {
      await remote.link.receive(signal);
    } catch (error) {
      if (!(error instanceof RemoteReset)) {
        console.warn("coview: signal failed", error);
        return;
      }
      remote = this.addRemote(remote.info);
      if (signal.description?.type === "offer") await remote.link.receive(signal);
    }
  }

  private linkState(): CallState {
    const states = [...this.remotes.values()]
      .filter((r) => r.info.role !== SERVER_ROLE)
      .map((r) => r.link.pc.connectionState);
    if (!this.socket.connected) return "reconnecting";
    if (this.away.size) return "peer_reconnecting";
    if (states.includes("connected")) return "connected";
    if (states.some((s) => s === "disconnected" || s === "failed")) return "peer_reconnecting";
    return states.length ? "connecting" : "waiting";
  }

  private setState(state: CallState): void {
    if (this.ended) return;
    if (state !== this.state || !this.history.length) this.history.push(state);
    this.state = state;
    if (state === "connected" && this.connectedAt === null) this.connectedAt = Date.now();
    this.view.status(this.t(`call.status.${state}`), state);
  }

  private async tick(): Promise<void> {
    // Connection events can race the signaling ones: recompute the state every tick.
    if (this.state !== "connecting" || this.remotes.size) this.setState(this.linkState());
    if (this.connectedAt !== null) this.view.timer(Date.now() - this.connectedAt);
    const stats = await this.stats();
    this.highlightSpeaker(stats);
    const first = Object.values(stats)[0];
    if (first && this.state === "connected") {
      this.view.quality(
        this.t(`call.quality.${first.level}`),
        this.t("call.quality.details", {
          rtt: first.rttMs === null ? "–" : Math.round(first.rttMs),
          loss: first.lossPct.toFixed(1),
          kbps: Math.round(first.kbps),
        }),
        first.level,
      );
    }
  }

  /** Active speaker: the loudest received audio now, if loud enough (getStats). */
  private highlightSpeaker(stats: Record<string, Quality>): void {
    let loudest: string | null = null;
    let level = 0.02;
    for (const [id, q] of Object.entries(stats)) {
      if (id !== MEDIA_PEER.id && q.audioLevel > level) [loudest, level] = [id, q.audioLevel];
    }
    this.view.tiles.speaking(loudest);
    this.view.mainSpeaking(loudest !== null && loudest === this.primary);
  }

  async stats(): Promise<Record<string, Quality>> {
    const out: Record<string, Quality> = {};
    for (const [id, remote] of this.remotes) out[id] = await remote.meter.sample();
    return out;
  }

  remoteVideoSize(): { width: number; height: number } {
    return this.view.remoteVideoSize();
  }

  private sendMediaState(): void {
    if (!this.socket.connected || !this.self || this.opts.observe) return;
    this.socket.emit("media-state", {
      mic: !!this.mic?.enabled,
      camera: !!this.camera?.enabled,
      screen: !!this.screen,
    });
  }

  toggleMic(): void {
    if (!this.mic) return;
    this.mic.enabled = !this.mic.enabled;
    this.view.micState(this.mic.enabled);
    this.sendMediaState();
  }

  toggleCamera(): void {
    if (!this.camera) return;
    this.camera.enabled = !this.camera.enabled;
    this.view.cameraState(this.camera.enabled);
    this.sendMediaState();
  }

  async startScreenShare(): Promise<boolean> {
    if (this.screen) return true;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      this.view.notice(this.t("call.error.screen_denied"));
      return false;
    }
    const track = stream.getVideoTracks()[0];
    this.screen = track;
    // The browser's own "Stop sharing" button ends the track.
    track.addEventListener("ended", () => this.stopScreenShare());
    await this.sendVideo(track);
    this.view.showLocalVideo(track);
    this.view.screenState(true);
    this.sendMediaState();
    return true;
  }

  stopScreenShare(): void {
    const track = this.screen;
    if (!track) return;
    this.screen = null;
    track.stop();
    void this.sendVideo(this.camera);
    this.view.showLocal(this.local);
    this.view.screenState(false);
    this.sendMediaState();
  }

  private async sendVideo(track: MediaStreamTrack | null): Promise<void> {
    for (const remote of this.remotes.values()) await remote.link.setTrack("video", track);
  }

  private async switchDevice(kind: "camera" | "mic", deviceId: string): Promise<void> {
    const constraints = kind === "camera" ? { video: { deviceId: { exact: deviceId } } } : { audio: { deviceId: { exact: deviceId } } };
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch {
      this.view.notice(this.t(kind === "camera" ? "call.error.no_camera" : "call.error.no_devices"));
      return;
    }
    const track = kind === "camera" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
    const old = kind === "camera" ? this.camera : this.mic;
    if (old) {
      track.enabled = old.enabled;
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
    if (kind === "camera") {
      this.camera = track;
      if (!this.screen) await this.sendVideo(track);
      if (!this.screen) this.view.showLocal(this.local);
    } else {
      this.mic = track;
      for (const remote of this.remotes.values()) await remote.link.setTrack("audio", track);
    }
  }

  /** Agent-only requests to the server peer (see docs/protocol.md); resolve to the ack. */
  request(event: AgentRequest, payload: Record<string, unknown> = {}): Promise<Ack> {
    return this.socket.emitWithAck(event, payload) as Promise<Ack>;
  }

  dropConnection(): void {
    this.socket.io.engine?.close();
  }

  end(reason = "ended"): void {
    if (this.ended) return;
    // An observer's or an expert's "end" only leaves: the call goes on for the others.
    if (this.opts.observe || this.self?.role === "participant") return this.leave();
    if (this.socket.connected) this.socket.emit("end", { reason });
    this.finish("local", true);
  }

  /** The customer withdraws their recording consent: the server stops recording now. */
  withdrawRecording(): void {
    const text = this.t("call.recording.withdraw");
    void this.socket.emitWithAck("recording-consent", { granted: false, text, lang: shownLang(this.opts.lang ?? "en") });
  }

  leave(): void {
    if (this.ended) return;
    if (this.socket.connected) this.socket.emit("leave", {});
    this.finish("local", true);
  }

  private finish(reason: string, local: boolean): void {
    if (this.ended) return;
    this.setState("ended");
    this.ended = true;
    this.socket.disconnect();
    for (const timer of this.timers) window.clearInterval(timer);
    for (const remote of this.remotes.values()) remote.link.close();
    this.remotes.clear();
    for (const track of [...this.local.getTracks(), this.screen]) track?.stop();
    const key = `call.end.reason.${local ? "local" : reason}`;
    const text = this.t(key);
    this.view.ended(text === key ? this.t("call.status.ended") : text);
    this.opts.onEnd?.(reason);
  }
}

export function mountCall(container: HTMLElement, options: CallOptions): CallController {
  return new Call(container, options);
}
