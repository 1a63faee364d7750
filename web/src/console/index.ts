// The agent console: sign-in, presence, the live /agent feed (offers, queue, changes),
// and one workspace tab per accepted escalation.
import { io, type Socket } from "socket.io-client";
import { honourDraining } from "../shared/draining";
import { h } from "../shared/dom";
import { reconnectWhenUnavailable } from "../shared/socket";
import { expertOfferCard, type ExpertOffer } from "./experts";
import { ApiError, ConsoleApi, type AgentInfo, type Escalation } from "./api";
import { readContext } from "./context";
import { FocusMode } from "./focus";
import { duration, lang, t } from "./strings";
import { VisitorsBox } from "./visitors";
import { type HelpAck, Workspace } from "./workspace";

interface Offer {
  escalation: Escalation;
  expiresAt: number;
  el: HTMLElement;
}

const root = document.getElementById("console") as HTMLElement;
const announcer = document.getElementById("announcer") as HTMLElement;
const api = new ConsoleApi();

interface CallbackRequest {
  id: string; name: string; phone: string; preferred_time: string | null; note: string | null; reason: string | null;
}

function announce(text: string): void {
  announcer.textContent = "";
  window.setTimeout(() => (announcer.textContent = text), 30);
}

// ---- sound: a short two-tone beep, made with WebAudio (no file to fetch) ----
let audio: AudioContext | null = null;
function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    void audio.resume();
  } catch {
    audio = null;
  }
}
function beep(): void {
  if (!audio) return;
  const now = audio.currentTime;
  [880, 660].forEach((freq, i) => {
    const osc = audio!.createOscillator();
    const gain = audio!.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.18 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
    osc.connect(gain).connect(audio!.destination);
    osc.start(now + i * 0.18);
    osc.stop(now + i * 0.18 + 0.17);
  });
}
(window as unknown as { coviewBeeps?: number }).coviewBeeps = 0;

// ---- sign-in ----
function showLogin(message = ""): void {
  const email = h("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "error", role: "alert" }, message);
  const form = h(
    "form",
    { class: "login-card", "aria-labelledby": "login-title" },
    h("div", { class: "login-brand" }, h("span", { "aria-hidden": "true" }, "◉"), " coview"),
    h("h1", { id: "login-title" }, t("console.login.title")),
    h("p", { class: "muted" }, t("console.login.lead")),
    h("label", { for: "email" }, t("console.login.email")),
    email,
    h("label", { for: "password" }, t("console.login.password")),
    password,
    error,
    h("button", { class: "btn primary wide", type: "submit" }, t("console.login.submit")),
    h("p", { class: "hint" }, t("console.login.demo")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    unlockAudio();
    error.textContent = "";
    api
      .login(email.value.trim(), password.value)
      .then((agent) => startConsole(agent))
      .catch((err: unknown) => {
        error.textContent = err instanceof ApiError && (err.status === 401 || err.status === 422 || err.status === 400) ? t("console.login.failed") : t("console.login.error");
      });
  });
  root.replaceChildren(h("div", { class: "login" }, form));
  email.focus();
}

// ---- the signed-in console ----
class ConsoleApp {
  private socket: Socket | null = null;
  private readonly offers = new Map<string, Offer>();
  private readonly workspaces = new Map<string, Workspace>();
  private activeId: string | null = null;
  private presence = "offline";
  private readonly offersList = h("ul", { class: "offers", "aria-label": t("console.offers") });
  private readonly offersEmpty = h("p", { class: "muted" }, t("console.offers.none"));
  private readonly queueBox = h("div", { class: "queue-box", role: "status" }, t("console.queue.empty"));
  private readonly tablist = h("div", { class: "tabs", role: "tablist", "aria-label": t("console.sessions") });
  private readonly panels = h("div", { class: "panels" });
  private readonly empty = h("div", { class: "empty-ws" }, h("p", {}, t("console.sessions.none")));
  private readonly presenceSelect: HTMLSelectElement;
  private readonly presencePill = h("span", { class: "pill", "data-presence": "offline" }, t("console.presence.offline"));
  private readonly feedPill = h("span", { class: "feed", "data-live": "false" }, t("console.feed.disconnected"));
  private readonly capacityEl = h("span", { class: "capacity" });
  private timer = 0;
  private serverLoad: Record<string, number> | null = null;
  /** Units held to capacity and open offers, as the server counts them (an offer
   * reserves its units but is not work: the agent is "offer pending", not busy). */
  private serverFull: string[] | null = null;
  private serverOffers = 0;
  private queueTimer = 0;
  private readonly queuedList = h("ul", { class: "queued-list", "aria-label": t("console.queue") });
  private readonly callbacksList = h("ul", { class: "callbacks", "aria-label": t("console.callbacks") });
  private focus: FocusMode | null = null;
  private readonly visitors = new VisitorsBox(api);

  constructor(private agent: AgentInfo) {
    this.presenceSelect = h(
      "select",
      { id: "presence", "aria-label": t("console.presence") },
      h("option", { value: "available" }, t("console.presence.available")),
      h("option", { value: "away" }, t("console.presence.away")),
      h("option", { value: "offline" }, t("console.presence.offline")),
    );
    this.presenceSelect.value = "offline";
    this.presenceSelect.addEventListener("change", () => void this.setPresence(this.presenceSelect.value));
    this.tablist.addEventListener("keydown", (event) => this.onTabKey(event));
  }

  /** Callback requests customers left when visual help was not offered to them. */
  private async loadCallbacks(): Promise<void> {
    let open: CallbackRequest[];
    try {
      open = await api.call<CallbackRequest[]>("GET", "/api/callbacks?status=open");
    } catch {
      return;
    }
    if (!open.length) {
      this.callbacksList.replaceChildren(h("li", { class: "muted" }, t("console.callbacks.none")));
      return;
    }
    this.callbacksList.replaceChildren(...open.map((c) => {
      const done = h("button", { class: "btn", type: "button" }, t("console.callbacks.done"));
      done.onclick = async () => {
        done.disabled = true;
        await api.call("POST", `/api/callbacks/${encodeURIComponent(c.id)}/done`).catch(() => undefined);
        void this.loadCallbacks();
      };
      return h("li", { class: "callback", "aria-label": c.name },
        h("strong", {}, c.name), " ", h("a", { href: `tel:${c.phone.replace(/[^+0-9]/g, "")}` }, c.phone),
        c.preferred_time ? h("small", {}, ` · ${c.preferred_time}`) : "",
        c.reason ? h("small", { class: "muted" }, ` · ${t(`console.callbacks.reason.${c.reason}`)}`) : "",
        c.note ? h("p", { class: "muted" }, c.note) : "",
        done);
    }));
  }

  mount(): void {
    const top = h(
      "header",
      { class: "bar" },
      h("a", { class: "brand", href: "/" }, h("span", { "aria-hidden": "true" }, "◉"), " coview"),
      h("span", { class: "bar-title" }, t("console.title")),
      this.feedPill,
      h("div", { class: "spacer" }),
      this.capacityEl,
      h("label", { class: "presence", for: "presence" }, t("console.presence")),
      this.presenceSelect,
      this.presencePill,
      h("span", { class: "who" }, this.agent.name),
      h("button", { class: "btn ghost", type: "button", onclick: () => void this.logout() }, t("console.logout")),
    );
    const side = h(
      "aside",
      { class: "side" },
      h("section", { class: "side-box offers-box", "aria-labelledby": "offers-title" }, h("h2", { id: "offers-title" }, t("console.offers")), this.offersEmpty, this.offersList),
      h("section", { class: "side-box", "aria-labelledby": "queue-title" }, h("h2", { id: "queue-title" }, t("console.queue")), this.queueBox, this.queuedList),
      h("section", { class: "side-box", "aria-labelledby": "callbacks-title" }, h("h2", { id: "callbacks-title" }, t("console.callbacks")), this.callbacksList),
      this.visitors.root,
      this.phoneBox(),
    );
    const app = h("div", { class: "app" });
    this.focus = new FocusMode(app, this.agent.id);
    const main = h("main", { class: "work", id: "main" }, h("div", { class: "tabs-row" }, this.tablist, this.focus.buttons), this.panels, this.empty);
    app.append(top, h("div", { class: "cols" }, side, main));
    root.replaceChildren(app);
    this.timer = window.setInterval(() => this.tick(), 250);
    this.renderTabs();
    void this.refreshMe();
    this.connect();
    void this.loadQueue();
    void this.loadCallbacks();
    this.visitors.start();
    window.setInterval(() => void this.loadCallbacks(), 15_000); // customers leave them any time
    this.renderCapacity();
  }

  private async refreshMe(): Promise<void> {
    try {
      this.agent = { ...this.agent, ...(await api.me()) };
      if (this.agent.presence) this.showPresence(this.agent.presence);
      this.renderCapacity();
    } catch {
      /* 401 handled globally */
    }
  }

  private connect(): void {
    const socket = io("/agent", { transports: ["websocket"], auth: { token: api.token } });
    this.socket = socket;
    honourDraining(socket);
    reconnectWhenUnavailable(socket);
    socket.on("connect", () => this.setLive(true));
    socket.on("disconnect", () => this.setLive(false));
    socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
      this.setLive(false);
      if (err.data?.code === "unauthorized" || /token|unauthori/i.test(err.message)) signOut();
    });
    socket.on("presence", (data: { status?: string; load?: Record<string, number>; capacity?: Record<string, number>; full?: string[]; offers?: number }) => {
      if (data.capacity) this.agent.capacity = data.capacity;
      if (data.load) this.serverLoad = data.load;
      if (Array.isArray(data.full)) this.serverFull = data.full;
      if (typeof data.offers === "number") this.serverOffers = data.offers;
      if (data.status) this.showPresence(data.status);
      this.renderCapacity();
    });
    socket.on("offer", (data: { escalation: Escalation; expires_at?: string }) => this.addOffer(data.escalation, data.expires_at));
    socket.on("offer-withdrawn", (data: { escalation_id?: string; escalation?: Escalation; id?: string }) => {
      const id = data.escalation_id ?? data.escalation?.id ?? data.id;
      if (id) this.removeOffer(id);
    });
    socket.on("queue", (data: { counts?: Record<string, number> | number; longest_wait_s?: number }) => {
      this.showQueue(data);
      this.scheduleQueueList();
    });
    socket.on("expert-offer", (offer: ExpertOffer) => {
      this.offersList.append(expertOfferCard(api, offer, this.agent.name, () => {
        this.offersEmpty.hidden = this.offersList.children.length > 0;
      }));
      this.offersEmpty.hidden = true;
      beep();
      announce(t("console.expert.offer", { name: offer.from.name }));
    });
    socket.on("help-answered", (data: { session_id: string; supervisor: { name: string } }) => {
      for (const ws of this.workspaces.values()) {
        if (ws.escalation.session_id === data.session_id) ws.helpAnswered(data.supervisor.name);
      }
    });
    socket.on("escalation", (data: Escalation | { escalation: Escalation }) => {
      const e = (data as { escalation?: Escalation }).escalation ?? (data as Escalation);
      this.onEscalation(e);
    });
  }

  private setLive(live: boolean): void {
    this.feedPill.dataset.live = String(live);
    this.feedPill.textContent = live ? t("console.feed.connected") : t("console.feed.disconnected");
  }

  private showPresence(status: string): void {
    this.presence = status;
    if (status !== "busy") this.presenceSelect.value = status;
    this.renderPill();
  }

  /** Busy says which modality is full; an offer waiting for an answer is just that. */
  private renderPill(): void {
    const status = this.presence;
    const offerPending = status === "available" && (this.offers.size > 0 || this.serverOffers > 0);
    const shown = offerPending ? "offer_pending" : status;
    this.presencePill.dataset.presence = shown;
    const full = (this.serverFull ?? []).map((u) => t(`console.modality.${u}`)).join(", ");
    this.presencePill.textContent = status === "busy" && full
      ? t("console.presence.busy_full", { units: full })
      : t(`console.presence.${shown}`);
  }

  private async setPresence(status: string): Promise<void> {
    unlockAudio();
    try {
      await api.setPresence(status);
      this.showPresence(status);
    } catch (error) {
      announce(t("console.error", { detail: (error as Error).message }));
      this.presenceSelect.value = this.presence === "busy" ? "available" : this.presence;
    }
  }

  private async loadQueue(): Promise<void> {
    try {
      const data = (await api.queue()) as { offers?: { escalation?: Escalation; expires_at?: string }[]; counts?: Record<string, number>; longest_wait_s?: number; queued?: Escalation[] } | null;
      for (const offer of data?.offers ?? []) {
        const e = offer.escalation ?? (offer as unknown as Escalation);
        const expires = offer.expires_at ?? (e.offer_expires_at as string | undefined);
        if (e?.id) this.addOffer(e, expires, false);
      }
      if (data?.counts || data?.queued) this.showQueue({ counts: data.counts ?? data.queued?.length ?? 0, longest_wait_s: data.longest_wait_s });
      this.showQueued(data?.queued ?? []);
    } catch {
      /* queue endpoint not available yet */
    }
  }

  private scheduleQueueList(): void {
    window.clearTimeout(this.queueTimer);
    this.queueTimer = window.setTimeout(() => void this.loadQueue(), 300);
  }

  /** Queued requests this agent could take now (skills, language, capacity). */
  private showQueued(queued: Escalation[]): void {
    const items = queued.filter((e) => !this.offers.has(e.id) && !this.workspaces.has(e.id));
    this.queuedList.replaceChildren(
      ...items.slice(0, 20).map((e) => {
        const ctx = readContext(e.context, e.language);
        const name = ctx.name ?? t("console.anonymous");
        const since = Date.parse((e.queued_at as string | undefined) ?? e.created_at);
        return h(
          "li",
          { class: "queued", "aria-label": name },
          h("span", { class: "queued-who" }, h("strong", {}, name), h("small", {}, `${e.modalities.map((m) => t(`console.modality.${m}`)).join(" + ")} · ${duration((Date.now() - since) / 1000)}`)),
          h("button", { class: "btn", type: "button", onclick: () => void this.accept(e.id) }, t("console.take")),
        );
      }),
    );
  }

  /** Counts come by state ({queued, offered}): only queued requests are waiting; one
   * on offer to an agent is about to be answered. */
  private showQueue(data: { counts?: Record<string, number> | number; longest_wait_s?: number }): void {
    const counts = data.counts;
    const waiting = typeof counts === "number" ? counts : counts?.queued ?? 0;
    const offered = typeof counts === "number" ? 0 : counts?.offered ?? 0;
    const onOffer = offered ? h("span", { class: "muted queue-offered" }, t("console.queue.offered", { n: offered })) : "";
    if (!waiting) {
      this.queueBox.replaceChildren(t("console.queue.empty"), offered ? " " : "", onOffer);
      return;
    }
    this.queueBox.replaceChildren(
      h("strong", { class: "queue-count" }, t("console.queue.waiting", { n: waiting })),
      typeof data.longest_wait_s === "number" ? h("span", { class: "muted" }, ` · ${t("console.queue.longest", { t: duration(data.longest_wait_s) })}`) : "",
      offered ? " · " : "", onOffer,
    );
  }

  private addOffer(escalation: Escalation, expiresAt?: string, ring = true): void {
    if (this.offers.has(escalation.id) || this.workspaces.has(escalation.id)) return;
    const ctx = readContext(escalation.context, escalation.language);
    const name = ctx.name ?? t("console.anonymous");
    const expires = expiresAt ? Date.parse(expiresAt) : Date.now() + 30_000;
    const countdown = h("span", { class: "countdown", "aria-hidden": "true" });
    const bar = h("span", { class: "bar-fill" });
    const cartItems = ctx.cart?.items.map((i) => `${i.qty} × ${i.name}`).join(", ");
    const accept = h("button", { class: "btn primary", type: "button", onclick: () => void this.accept(escalation.id) }, t("console.accept"));
    const el = h(
      "li",
      { class: "offer", "data-escalation": escalation.id, "aria-label": t("console.offer.new", { name }) },
      h("div", { class: "offer-head" }, h("strong", {}, name), ctx.tier ? h("span", { class: `tag tier-${ctx.tier}` }, ctx.tier) : null, countdown),
      h("p", { class: "offer-mods" }, escalation.modalities.map((m) => t(`console.modality.${m}`)).join(" + "), ctx.language ? ` · ${ctx.language.toUpperCase()}` : ""),
      ctx.pageTitle || ctx.pageUrl ? h("p", { class: "offer-page" }, ctx.pageTitle ?? ctx.pageUrl ?? "") : null,
      cartItems ? h("p", { class: "offer-cart" }, cartItems) : null,
      h("span", { class: "timebar", "aria-hidden": "true" }, bar),
      h("div", { class: "offer-actions" }, h("button", { class: "btn", type: "button", onclick: () => void this.decline(escalation.id) }, t("console.decline")), accept),
    );
    el.dataset.total = String(Math.max(1, expires - Date.now()));
    this.offers.set(escalation.id, { escalation, expiresAt: expires, el });
    this.offersList.append(el);
    this.offersEmpty.hidden = true;
    this.renderPill();
    this.tick();
    if (ring) {
      beep();
      (window as unknown as { coviewBeeps: number }).coviewBeeps += 1;
      announce(t("console.offer.new", { name }));
    }
  }

  private removeOffer(id: string): void {
    this.offers.get(id)?.el.remove();
    this.offers.delete(id);
    this.offersEmpty.hidden = this.offers.size > 0;
    this.renderPill();
  }

  private tick(): void {
    const now = Date.now();
    for (const [id, offer] of this.offers) {
      const left = offer.expiresAt - now;
      if (left <= -2000) {
        this.removeOffer(id);
        continue;
      }
      const seconds = Math.max(0, Math.ceil(left / 1000));
      const countdown = offer.el.querySelector(".countdown");
      if (countdown) countdown.textContent = t("console.offer.expires", { s: seconds });
      const fill = offer.el.querySelector<HTMLElement>(".bar-fill");
      if (fill) fill.style.width = `${Math.max(0, Math.min(100, (left / Number(offer.el.dataset.total)) * 100))}%`;
    }
  }

  private async accept(id: string): Promise<void> {
    const offer = this.offers.get(id);
    try {
      const escalation = await api.act(id, "accept");
      this.removeOffer(id);
      this.openWorkspace(escalation);
    } catch (error) {
      announce(t("console.error", { detail: (error as Error).message }));
      if (offer) this.removeOffer(id);
    }
  }

  private async decline(id: string): Promise<void> {
    try {
      await api.act(id, "decline");
    } catch {
      /* already gone */
    }
    this.removeOffer(id);
  }

  private onEscalation(escalation: Escalation): void {
    const ws = this.workspaces.get(escalation.id);
    if (ws) {
      ws.update(escalation);
      this.renderTabs();
    } else if (escalation.agent_id === this.agent.id && ["accepted", "connecting", "in_session", "wrap_up"].includes(escalation.state)) {
      this.openWorkspace(escalation);
    }
    if (this.offers.has(escalation.id) && escalation.state !== "offered") this.removeOffer(escalation.id);
    this.renderCapacity();
  }

  private openWorkspace(escalation: Escalation): void {
    let ws = this.workspaces.get(escalation.id);
    if (!ws) {
      ws = new Workspace(escalation, api, (id) => this.closeWorkspace(id));
      ws.onUnread = () => this.renderTabs();
      ws.askHelp = async (sessionId) => {
        if (!this.socket?.connected) return { ok: false, error: { message: t("console.feed.disconnected") } };
        return (await this.socket.emitWithAck("help-request", { session_id: sessionId })) as HelpAck;
      };
      this.workspaces.set(escalation.id, ws);
      this.panels.append(ws.panel);
    } else {
      ws.update(escalation);
    }
    this.activate(escalation.id);
    this.renderCapacity();
  }

  private closeWorkspace(id: string): void {
    this.workspaces.get(id)?.destroy();
    this.workspaces.delete(id);
    if (this.activeId === id) this.activeId = [...this.workspaces.keys()].pop() ?? null;
    this.renderTabs();
    this.renderCapacity();
    if (this.activeId) this.activate(this.activeId);
  }

  private activate(id: string): void {
    this.activeId = id;
    for (const [wid, ws] of this.workspaces) ws.panel.hidden = wid !== id;
    const active = this.workspaces.get(id);
    if (active && active.unread) active.markRead();
    this.renderTabs();
  }

  /** On the phone with a customer: start a visual session and read them the code. */
  private phoneBox(): HTMLElement {
    const modality = h("select", { id: "phone-modality", name: "modality" }, ...["video", "screen", "cobrowse"].map((m) => h("option", { value: m }, t(`console.modality.${m}`))));
    const name = h("input", { id: "phone-name", name: "name", maxlength: "200", autocomplete: "off" });
    const notes = h("textarea", { id: "phone-notes", name: "notes", rows: "2", maxlength: "2000" });
    const result = h("div", { class: "phone-result", role: "status" });
    const form = h(
      "form",
      { class: "phone-form" },
      h("label", { for: "phone-modality" }, t("console.phone.modality")), modality,
      h("label", { for: "phone-name" }, t("console.phone.name")), name,
      h("label", { for: "phone-notes" }, t("console.phone.notes")), notes,
      h("button", { class: "btn primary", type: "submit" }, t("console.phone.start")),
      result,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      result.replaceChildren();
      const context: Record<string, unknown> = {};
      if (name.value.trim()) context.customer = { name: name.value.trim() };
      if (notes.value.trim()) context.transcript = [{ role: "agent", text: notes.value.trim() }];
      try {
        const created = await api.adhoc({ modalities: [modality.value], channel: "voice", context, language: lang });
        const link = h("input", { class: "join-link", readonly: "", value: created.invite.join_url, "aria-label": t("console.phone.link") });
        const copy = h("button", { class: "btn", type: "button", onclick: () => void navigator.clipboard?.writeText(created.invite.join_url) }, t("console.phone.copy"));
        result.append(
          h("p", {}, t("console.phone.read")),
          h("p", { class: "short-code", "data-testid": "short-code" }, created.invite.short_code),
          h("p", { class: "muted" }, t("console.phone.or_link")), link, copy,
        );
        name.value = notes.value = "";
        this.openWorkspace(created.escalation);
      } catch (error) {
        result.append(h("p", { class: "error", role: "alert" }, t("console.error", { detail: (error as Error).message })));
      }
    });
    return h("section", { class: "side-box", "aria-labelledby": "phone-title" }, h("h2", { id: "phone-title" }, t("console.phone.title")), form);
  }

  private renderTabs(): void {
    const tabs = [...this.workspaces.values()].map((ws) => {
      const id = ws.escalation.id;
      const selected = id === this.activeId;
      return h(
        "button",
        { class: "tab", role: "tab", id: `tab-${id}`, type: "button", "aria-selected": String(selected), "aria-controls": `panel-${id}`, tabindex: selected ? "0" : "-1", "data-state": ws.escalation.state, onclick: () => this.activate(id) },
        h("span", { class: "tab-dot", "aria-hidden": "true" }),
        ws.label,
        h("small", {}, ws.escalation.modalities.map((m) => t(`console.modality.${m}`)).join(" + ")),
        ws.unread && !selected ? h("span", { class: "unread", "aria-label": t("console.unread", { n: String(ws.unread) }) }, String(ws.unread)) : "",
      );
    });
    this.tablist.replaceChildren(...tabs);
    this.empty.hidden = this.workspaces.size > 0;
    this.tablist.hidden = this.workspaces.size === 0;
    if (this.focus) this.focus.buttons.hidden = this.workspaces.size === 0;
  }

  private onTabKey(event: KeyboardEvent): void {
    const ids = [...this.workspaces.keys()];
    const index = this.activeId ? ids.indexOf(this.activeId) : -1;
    let next = -1;
    if (event.key === "ArrowRight") next = (index + 1) % ids.length;
    else if (event.key === "ArrowLeft") next = (index - 1 + ids.length) % ids.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = ids.length - 1;
    if (next < 0 || !ids.length) return;
    event.preventDefault();
    this.activate(ids[next]);
    document.getElementById(`tab-${ids[next]}`)?.focus();
  }

  /** Open sessions per capacity class (screen counts as video): a full one says so;
   * one taken up only by an offer waiting for an answer is marked as such. */
  private renderCapacity(): void {
    const capacity = this.agent.capacity ?? { video: 1, cobrowse: 2, chat: 4 };
    const used: Record<string, number> = { video: 0, cobrowse: 0, chat: 0, ...(this.serverLoad ?? {}) };
    for (const ws of this.serverLoad ? [] : this.workspaces.values()) {
      if (ws.done) continue;
      const m = ws.escalation.modalities;
      const kind = m.includes("video") || m.includes("screen") ? "video" : m.includes("cobrowse") ? "cobrowse" : "chat";
      used[kind] += 1;
    }
    this.capacityEl.replaceChildren(
      ...["video", "cobrowse", "chat"].map((k) => {
        const name = t(`console.modality.${k}`);
        const atLimit = used[k] >= (capacity[k] ?? 0) && used[k] > 0;
        const full = this.serverFull ? this.serverFull.includes(k) : atLimit;
        const state = full ? " full" : atLimit ? " offered" : "";
        const title = full ? t("console.capacity.full_title", { modality: name }) : atLimit ? t("console.capacity.offer_title", { modality: name }) : name;
        return h("span", { class: `cap${state}`, title, "data-unit": k },
          `${name} ${used[k]}/${capacity[k] ?? 0}`, full ? h("b", {}, ` · ${t("console.capacity.full")}`) : "");
      }),
    );
  }

  async logout(): Promise<void> {
    window.clearInterval(this.timer);
    this.focus?.dispose();
    this.socket?.disconnect();
    try {
      await api.logout();
    } catch {
      /* token already gone */
    }
    showLogin();
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.focus?.dispose();
    this.socket?.disconnect();
  }
}

let app: ConsoleApp | null = null;

function startConsole(agent: AgentInfo): void {
  app?.stop();
  app = new ConsoleApp(agent);
  app.mount();
}

function signOut(): void {
  app?.stop();
  app = null;
  api.forget();
  showLogin();
}

api.onUnauthorized = signOut;
const stored = api.storedAgent;
if (api.token && stored) startConsole(stored);
else showLogin();
document.addEventListener("pointerdown", unlockAudio, { once: true });
