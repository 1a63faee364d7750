// Connection quality from getStats: round-trip time, inbound packet loss and the
// combined receive+send bitrate since the previous sample.

export interface Quality {
  rttMs: number | null;
  lossPct: number;
  kbps: number;
  level: "good" | "fair" | "poor";
  framesDecoded: number;
  /** Received audio: level now (0..1) and total energy so far (getStats inbound-rtp). */
  audioLevel: number;
  audioEnergy: number;
  /** Local candidate type of the selected pair: "host", "srflx", "prflx" or "relay". */
  route: string | null;
}

interface Sample {
  at: number;
  bytes: number;
  received: number;
  lost: number;
}

export class QualityMeter {
  private last: Sample | null = null;

  constructor(private readonly pc: RTCPeerConnection) {}

  async sample(): Promise<Quality> {
    const report = await this.pc.getStats();
    let rtt: number | null = null;
    let bytes = 0;
    let received = 0;
    let lost = 0;
    let framesDecoded = 0;
    // The pair in use: the transport's selected pair. A nominated, succeeded pair only
    // when no transport names one: the controlled side may not see its pair
    // nominated yet while media already flows over it.
    let selectedPairId: string | null = null;
    let nominatedPair: Record<string, unknown> | undefined;
    let audioLevel = 0;
    let audioEnergy = 0;
    report.forEach((s: Record<string, unknown> & { type: string }) => {
      if (s.type === "transport" && typeof s.selectedCandidatePairId === "string") {
        selectedPairId = s.selectedCandidatePairId;
      } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
        nominatedPair ??= s;
      } else if (s.type === "inbound-rtp") {
        bytes += Number(s.bytesReceived ?? 0);
        received += Number(s.packetsReceived ?? 0);
        lost += Math.max(0, Number(s.packetsLost ?? 0));
        if (s.kind === "video") framesDecoded += Number(s.framesDecoded ?? 0);
        if (s.kind === "audio") {
          audioLevel = Math.max(audioLevel, Number(s.audioLevel ?? 0));
          audioEnergy += Number(s.totalAudioEnergy ?? 0);
        }
      } else if (s.type === "outbound-rtp") {
        bytes += Number(s.bytesSent ?? 0);
      }
    });
    const pair = (selectedPairId ? report.get(selectedPairId) : undefined) ?? nominatedPair;
    if (pair && typeof pair.currentRoundTripTime === "number") rtt = pair.currentRoundTripTime * 1000;
    const local = pair ? report.get(String(pair.localCandidateId)) : undefined;
    const route = local ? String(local.candidateType) : null;
    const now = performance.now();
    const prev = this.last;
    this.last = { at: now, bytes, received, lost };
    const seconds = prev ? (now - prev.at) / 1000 : 0;
    const kbps = prev && seconds > 0 ? Math.max(0, ((bytes - prev.bytes) * 8) / 1000 / seconds) : 0;
    const dReceived = prev ? received - prev.received : received;
    const dLost = prev ? lost - prev.lost : lost;
    const lossPct = dReceived + dLost > 0 ? (100 * Math.max(0, dLost)) / (dReceived + dLost) : 0;
    const r = rtt as number | null;
    const level = lossPct > 8 || (r ?? 0) > 500 ? "poor" : lossPct > 2 || (r ?? 0) > 250 ? "fair" : "good";
    return { rttMs: r, lossPct, kbps, level, framesDecoded, route, audioLevel, audioEnergy };
  }
}
