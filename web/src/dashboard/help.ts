// Raise hand on the dashboard (issue #25): agents' requests for help arrive on the
// /agent feed with the session's context; the waiting time counts up; the first
// supervisor to answer opens the session as observer (the server decides who was first).
import { io, type Socket } from "socket.io-client";
import { h } from "../shared/dom";

interface HelpRequest {
  request_id: string;
  session_id: string;
  agent: { id: string; name: string };
  note: string;
  requested_at: string;
  context: { customer?: string | null; page?: string | null; intent?: string | null; language?: string | null; modalities?: string[] };
}

type T = (key: string) => string;

function elapsed(since: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  return s < 90 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export class HelpRequests {
  // One row per session: an agent who asks again (after the re-ask window) replaces
  // their earlier request, which the server no longer lets anyone answer.
  private readonly open = new Map<string, HelpRequest>();
  private socket: Socket | null = null;
  private known = false; // "nobody is asking" only once the server said so
  private timer: number | undefined;

  constructor(
    private readonly card: HTMLElement,
    private readonly token: string,
    private readonly t: T,
    private readonly lang: string,
  ) {}

  start(): void {
    if ("Notification" in window && Notification.permission === "default") {
      void Notification.requestPermission().catch(() => undefined);
    }
    const socket = io("/agent", { transports: ["websocket"], auth: { token: this.token } });
    this.socket = socket;
    // On every (re)connect: what is open now, requests missed while away included.
    // Merged, not replacing: a request that arrived live while the server read this
    // list may be missing from it (one answered meanwhile and shown again is told
    // "already answered" when clicked, and goes).
    socket.on("help-open", (snapshot: { requests: HelpRequest[] }) => {
      for (const r of snapshot.requests) this.keep(r);
      this.known = true;
      this.render();
    });
    socket.on("disconnect", () => {
      this.open.clear(); // the next help-open says what is still open
      this.known = false;
      this.render();
    });
    socket.on("help-requested", (r: HelpRequest) => {
      this.keep(r);
      this.notify(r);
      this.render();
    });
    socket.on("help-answered", (a: { request_id: string; session_id: string }) => {
      this.forget(a.session_id, a.request_id);
      this.render();
    });
    this.render();
    this.timer = window.setInterval(() => this.tick(), 1000);
  }

  /** ``r`` as its session's row, unless the row already holds a later request. */
  private keep(r: HelpRequest): void {
    const shown = this.open.get(r.session_id);
    if (!shown || Date.parse(shown.requested_at) <= Date.parse(r.requested_at)) this.open.set(r.session_id, r);
  }

  /** Drop the session's row if it still shows ``requestId``. */
  private forget(sessionId: string, requestId: string): void {
    if (this.open.get(sessionId)?.request_id === requestId) this.open.delete(sessionId);
  }

  /** Signing out: no more requests, no more notifications. */
  stop(): void {
    window.clearInterval(this.timer);
    this.socket?.disconnect();
  }

  private notify(r: HelpRequest): void {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const body = [r.context.customer, r.context.page, r.note].filter(Boolean).join(" · ");
    new Notification(this.t("dashboard.help.notification").replace("{agent}", r.agent.name), { body, tag: r.request_id });
  }

  private tick(): void {
    for (const cell of this.card.querySelectorAll<HTMLElement>("[data-since]")) {
      cell.textContent = this.t("dashboard.help.waiting").replace("{time}", elapsed(cell.dataset.since ?? ""));
    }
  }

  private async answer(r: HelpRequest): Promise<void> {
    // Opened within the click, so no popup blocker stops it; pointed at the call once answered.
    const tab = window.open("about:blank", "_blank");
    const ack = (await this.socket?.emitWithAck("help-answer", { request_id: r.request_id })) as
      | { ok: boolean; observe_url?: string; error?: { message: string } }
      | undefined;
    if (!ack?.ok || !ack.observe_url) {
      tab?.close();
      this.forget(r.session_id, r.request_id);
      this.render();
      return;
    }
    const url = `${ack.observe_url}?lang=${this.lang}#token=${encodeURIComponent(this.token)}`;
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
    }
  }

  private render(): void {
    const rows = [...this.open.values()];
    this.card.replaceChildren(
      h("h3", {}, this.t("dashboard.help")),
      rows.length === 0
        ? h("p", { class: "muted", "aria-busy": String(!this.known) }, this.t(this.known ? "dashboard.help.none" : "dashboard.help.loading"))
        : h("table", { class: "dash-table", "data-testid": "help-requests" },
          h("thead", {}, h("tr", {}, ...["agent", "context", "wait"].map((k) => h("th", { scope: "col" }, this.t(`dashboard.help.${k}`))), h("th", {}))),
          h("tbody", {}, ...rows.map((r) => {
            const context = [r.context.customer, r.context.page, r.context.intent, r.context.language, r.note].filter(Boolean).join(" · ");
            const button = h("button", { class: "button primary", type: "button" }, this.t("dashboard.help.answer"));
            button.addEventListener("click", () => void this.answer(r));
            return h("tr", { "data-request": r.request_id, "data-session": r.session_id },
              h("td", {}, r.agent.name), h("td", {}, context),
              h("td", { "data-since": r.requested_at }, this.t("dashboard.help.waiting").replace("{time}", elapsed(r.requested_at))),
              h("td", {}, button));
          }))),
    );
  }
}
