// One RTCPeerConnection to one remote peer, negotiated with the "perfect negotiation"
// pattern: either side may (re)negotiate at any time; on glare the polite side rolls
// back its own offer and the impolite side ignores the incoming one.
//
// Transceivers: the offerer creates one audio and one video transceiver (sendrecv);
// the answerer reuses the ones the offer created, so each side has exactly one of
// each and screen sharing is a replaceTrack on the video sender (no renegotiation,
// or a single one when the sender was receive-only).

export interface Signal {
  to: string;
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit;
}

export interface PeerLinkOptions {
  peerId: string;
  polite: boolean;
  offerer: boolean;
  config: RTCConfiguration;
  send: (signal: Signal) => void;
  onRemoteStream: (stream: MediaStream) => void;
  onState: (state: RTCPeerConnectionState) => void;
  /** An observer's link: recvonly media sections, never a track (the server refuses
   * an observer's description with a sending section). */
  receiveOnly?: boolean;
}

/** Raised when the remote side is a new RTCPeerConnection (page reloaded): the link
 * must be replaced rather than renegotiated. */
export class RemoteReset extends Error {}

function fingerprint(sdp: string | undefined): string | null {
  const match = /^a=fingerprint:(.+)$/m.exec(sdp ?? "");
  return match ? match[1].trim() : null;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly remoteStream = new MediaStream();
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private remoteFingerprint: string | null = null;
  private tracks: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  /** Receive only (an observer); once a coaching supervisor sends, ``limited``: each
   * kind sends only while it has a track (the server refuses any other section). */
  private receiveOnly: boolean;
  private limited: boolean;
  closed = false;
  /** Epoch ms of each set-up step, first time only (call set-up diagnostics, bench/media.py). */
  readonly marks: Record<string, number> = {};

  private mark(step: string): void {
    this.marks[step] ??= Date.now();
  }

  constructor(
    private readonly opts: PeerLinkOptions,
    audio: MediaStreamTrack | null,
    video: MediaStreamTrack | null,
  ) {
    this.tracks = { audio, video };
    this.receiveOnly = !!opts.receiveOnly;
    this.limited = !!opts.receiveOnly;
    this.mark("created");
    this.pc = new RTCPeerConnection(opts.config);
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.mark("sent_candidate");
      if (candidate) opts.send({ to: opts.peerId, candidate: candidate.toJSON() });
    };
    this.pc.ontrack = ({ track }) => {
      this.mark(`track_${track.kind}`);
      for (const old of this.remoteStream.getTracks().filter((t) => t.kind === track.kind)) {
        this.remoteStream.removeTrack(old);
      }
      this.remoteStream.addTrack(track);
      opts.onRemoteStream(this.remoteStream);
    };
    this.pc.onnegotiationneeded = () => void this.negotiate();
    this.pc.oniceconnectionstatechange = () => this.mark(`ice_${this.pc.iceConnectionState}`);
    this.pc.onconnectionstatechange = () => {
      this.mark(this.pc.connectionState);
      opts.onState(this.pc.connectionState);
      if (this.pc.connectionState === "failed" && this.opts.offerer) this.restartIce();
    };
    if (opts.offerer) {
      for (const kind of ["audio", "video"] as const) {
        this.pc.addTransceiver(opts.receiveOnly ? kind : this.tracks[kind] ?? kind, {
          direction: opts.receiveOnly ? "recvonly" : "sendrecv",
        });
      }
    }
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      if (this.pc.localDescription) {
        this.mark(`sent_${this.pc.localDescription.type}`);
        this.opts.send({ to: this.opts.peerId, description: this.pc.localDescription.toJSON() });
      }
    } catch (error) {
      console.warn("coview: negotiation failed", error);
    } finally {
      this.makingOffer = false;
    }
  }

  restartIce(): void {
    if (!this.closed) this.pc.restartIce();
  }

  /** After either side rejoined: signals sent meanwhile may be lost, so drop any
   * half-done offer; the offerer then sends a fresh one with an ICE restart. */
  async resync(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.pc.signalingState === "have-local-offer") {
        await this.pc.setLocalDescription({ type: "rollback" });
      }
      if (!this.opts.offerer) return;
      this.makingOffer = true;
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: true }));
      if (this.pc.localDescription) {
        this.opts.send({ to: this.opts.peerId, description: this.pc.localDescription.toJSON() });
      }
    } catch (error) {
      console.warn("coview: resync failed", error);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Handles a relayed signal; throws RemoteReset when the remote is a new connection. */
  async receive(signal: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit }): Promise<void> {
    const { description, candidate } = signal;
    if (description) {
      const remote = fingerprint(description.sdp);
      if (remote && this.remoteFingerprint && remote !== this.remoteFingerprint) {
        throw new RemoteReset("remote peer connection was replaced");
      }
      const readyForOffer =
        !this.makingOffer && (this.pc.signalingState === "stable" || this.settingRemoteAnswer);
      const collision = description.type === "offer" && !readyForOffer;
      this.ignoreOffer = !this.opts.polite && collision;
      if (this.ignoreOffer) return;
      this.settingRemoteAnswer = description.type === "answer";
      this.mark(`got_${description.type}`);
      await this.pc.setRemoteDescription(description);
      this.settingRemoteAnswer = false;
      if (remote) this.remoteFingerprint = remote;
      if (description.type === "offer") {
        this.adoptTransceivers();
        await this.pc.setLocalDescription();
        if (this.pc.localDescription) {
          this.mark("sent_answer");
          this.opts.send({ to: this.opts.peerId, description: this.pc.localDescription.toJSON() });
        }
      }
    } else if (candidate) {
      this.mark("got_candidate");
      try {
        await this.pc.addIceCandidate(candidate);
      } catch (error) {
        if (!this.ignoreOffer) console.warn("coview: bad ICE candidate", error);
      }
    }
  }

  /** The answerer puts its tracks on the transceivers the remote offer created. */
  private adoptTransceivers(): void {
    for (const kind of ["audio", "video"] as const) {
      const transceiver = this.transceiver(kind);
      if (!transceiver) continue;
      if (this.receiveOnly) {
        transceiver.direction = "recvonly";
        continue;
      }
      const track = this.tracks[kind];
      if (this.limited) {
        if (transceiver.sender.track !== track) void transceiver.sender.replaceTrack(track);
        transceiver.direction = track ? "sendrecv" : "recvonly";
        continue;
      }
      if (transceiver.sender.track !== track) void transceiver.sender.replaceTrack(track);
      if (transceiver.direction === "recvonly" || transceiver.direction === "inactive") {
        transceiver.direction = "sendrecv";
      }
    }
  }

  private transceiver(kind: "audio" | "video"): RTCRtpTransceiver | undefined {
    return this.pc
      .getTransceivers()
      .find((t) => t.currentDirection !== "stopped" && t.receiver.track?.kind === kind);
  }

  /** Swaps the track sent for ``kind`` (camera ↔ screen, device change) in place. */
  async setTrack(kind: "audio" | "video", track: MediaStreamTrack | null): Promise<void> {
    if (this.receiveOnly || this.limited) return;
    this.tracks[kind] = track;
    const transceiver = this.transceiver(kind);
    if (!transceiver) return; // not negotiated yet: adoptTransceivers will use it
    await transceiver.sender.replaceTrack(track);
    if (transceiver.direction === "recvonly" || transceiver.direction === "inactive") {
      transceiver.direction = "sendrecv"; // fires negotiationneeded: one renegotiation
    }
  }

  /** A coaching supervisor's link: send exactly these tracks (none: receive only
   * again). The media stops at once; the direction change renegotiates. */
  async sendOnly(tracks: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null }): Promise<void> {
    this.tracks = { ...tracks };
    this.receiveOnly = !tracks.audio && !tracks.video;
    for (const kind of ["audio", "video"] as const) {
      const transceiver = this.transceiver(kind);
      if (!transceiver) continue;
      const track = tracks[kind];
      await transceiver.sender.replaceTrack(track);
      const direction = track ? "sendrecv" : "recvonly";
      if (transceiver.direction !== direction) transceiver.direction = direction;
    }
  }

  close(): void {
    this.closed = true;
    this.pc.onnegotiationneeded = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }
}
