// The widget: a launcher button shown only where the site's rules allow, a panel with
// the modality choice, consent prompts, the waiting screen, the session (call and
// co-browse slots) and the satisfaction survey. Lives in a shadow root.
import en from "../../translations/widget.en.json";
import es from "../../translations/widget.es.json";
import pt from "../../translations/widget.pt.json";
import { formatWait, pickLang, translator, type Lang } from "../shared/i18n";
import type { CartInput, CoviewApi, Identity } from "./api";
import { ApiError, WidgetClient, type Availability, type ConsentAnswer, type Escalation, type Modality } from "./client";
import { h, ICONS, svg } from "../shared/dom";
import { clear, load, loadLayout, save, saveLayout, trackInSiteNavigation, type Layout, type Saved } from "./persist";
import { cornerAt, cornerClearing, hostCorner, nextCorner } from "./placement";
import { mountCallSlot, mountChatSlot, startCobrowse, type ConsentKind, type Mounted, type SlotOptions } from "./slots";
import { CSS, HOST_STYLE } from "./styles";
import { Proactive, visitorId, type Invitation, type ProactiveRule } from "./proactive";

const CATALOGS = { en, es, pt } as Record<Lang, Record<string, string>>;
const WAITING_STATES = new Set(["requested", "queued", "offered"]);
const SESSION_STATES = new Set(["accepted", "connecting", "in_session"]);
const ENDED_STATES = new Set(["wrap_up", "completed"]);
/** What the customer can ask for from the menu (chat starts from the chat tab). */
type VisualModality = Exclude<Modality, "chat">;
const OFFERED_MODALITIES: VisualModality[] = ["video", "screen", "cobrowse"];

type View = "closed" | "menu" | "chat" | "waiting" | "session" | "ended" | "thanks" | "message" | "callback";

export interface WidgetConfig {
  baseUrl: string;
  siteKey: string;
  lang?: string;
}

export class Widget implements CoviewApi {
  private readonly client: WidgetClient;
  private readonly host: HTMLElement;
  private readonly root: ShadowRoot;
  private layout: Layout;
  private readonly frame: HTMLDivElement;
  private lang: Lang;
  private t: ReturnType<typeof translator>;
  private identity: Identity = {};
  private cart: CartInput | null = null;
  private availability: Availability | null = null;
  private view: View = "closed";
  private saved: Saved | null;
  private escalation: Escalation | null = null;
  private stopWatching: (() => void) | null = null;
  private call: Mounted | null = null;
  private cobrowse: Mounted | null = null;
  private chat: Mounted | null = null;
  private chatSlot: HTMLElement | null = null; // kept across renders: the chat must not reset
  private controlActive = false;
  private recordingNoticeShown = false;
  private transferring = false; // the agent handed the session on: keep the call and the page
  private message = "";
  private pendingConsent: { kind: ConsentKind; name?: string; resolve: (ok: boolean) => void } | null = null;
  private availabilityTimer = 0;
  private readonly leavingInSite: () => boolean;
  private rating = 0;
  private collapsed = false;
  private endedByCustomer = false;
  private upgrading = false;
  private readonly refused = new Set<string>();
  private readonly consentAnswers: ConsentAnswer[] = []; // not yet on record (no session yet)
  private readonly visitor = visitorId();
  private readonly proactive: Proactive;
  private invitation: Invitation | null = null;

  constructor(readonly config: WidgetConfig) {
    this.client = new WidgetClient(config.baseUrl, config.siteKey);
    this.lang = pickLang(config.lang, document.documentElement.lang, navigator.language);
    this.t = translator(CATALOGS, this.lang);
    const host = document.createElement("coview-widget");
    this.host = host;
    this.layout = loadLayout(config.siteKey);
    host.setAttribute("data-coview-block", ""); // co-browsing shows the agent the page, not this panel
    this.root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = CSS;
    this.frame = h("div", { class: "cv", part: "widget" });
    this.root.append(style, this.frame);
    this.placeHost();
    (document.body ?? document.documentElement).append(host);
    this.saved = load(config.siteKey);
    this.leavingInSite = trackInSiteNavigation();
    this.proactive = new Proactive(config.siteKey, {
      cart: () => this.cart,
      tier: () => (typeof this.identity.tier === "string" ? this.identity.tier : undefined),
      lang: () => this.lang,
      busy: () => this.view !== "closed" || !!this.saved || !!this.invitation,
      check: (rule: ProactiveRule) => this.client.post("/api/proactive/check", { rule_id: rule.id, page: location.href.slice(0, 2048), lang: this.lang, visitor_id: this.visitor, ...this.tierField() }, this.identityToken()),
      presence: (_rule, body) => this.client.post("/api/proactive/presence", { ...body, visitor_id: this.visitor, ...(typeof this.identity.name === "string" ? { name: this.identity.name.slice(0, 200) } : {}) }),
      show: (invitation) => this.invite(invitation),
    });
    window.addEventListener("pagehide", () => this.onPageHide());
  }

  // ---- public API (window.coview) ----
  identify(identity: Identity): void {
    const tierChanged = identity.tier !== this.identity.tier || identity.token !== this.identity.token;
    this.identity = { ...identity };
    if (tierChanged) this.scheduleAvailability();
  }

  setCart(cart: CartInput): void {
    this.cart = cart;
  }

  setLanguage(lang: string): void {
    this.lang = pickLang(lang);
    this.t = translator(CATALOGS, this.lang);
    this.scheduleAvailability();
  }

  open(): void {
    if (this.view === "closed") this.view = this.saved ? this.savedView() : "menu";
    this.collapsed = false;
    this.render();
  }

  signal(name: string): void {
    this.proactive.signal(name);
  }

  /** Conversion tracking: the server attributes a purchase to help given in this browser. */
  track(event: "purchase" | "checkout_step", data: Record<string, unknown> = {}): Promise<unknown> {
    if (event === "checkout_step") this.proactive.funnelStep();
    const pick = (k: string) => (data[k] === undefined ? {} : { [k]: data[k] });
    const proof = this.identityProof();
    return this.client
      .post("/api/track", { event, visitor_id: this.visitor, page: location.pathname, ...pick("order_id"), ...pick("total"), ...pick("currency"), ...pick("step"), ...(Object.keys(proof).length ? { customer: proof } : {}) })
      .catch((error: unknown) => console.warn("coview: track failed", error));
  }

  private tierField(): Record<string, string> {
    return typeof this.identity.tier === "string" ? { tier: this.identity.tier } : {};
  }

  private identityToken(): string | undefined {
    return typeof this.identity.token === "string" ? this.identity.token : undefined;
  }

  private invite(invitation: Invitation): void {
    this.invitation = invitation;
    this.outcome("shown");
    this.render();
  }

  private outcome(outcome: "shown" | "accepted" | "dismissed", modality?: string): void {
    const rule = this.invitation?.rule;
    if (rule) void this.client.post("/api/proactive/events", { visitor_id: this.visitor, rule_id: rule, outcome, page: location.pathname, ...(modality ? { modality } : {}) }).catch(() => undefined);
  }

  private answerInvitation(modality: string | null): void {
    const invitation = this.invitation;
    if (!invitation) return;
    this.outcome(modality ? "accepted" : "dismissed", modality ?? undefined);
    this.invitation = null;
    if (modality === "chat") void this.startChat(invitation.rule);
    else if (modality) void this.choose(modality as VisualModality, invitation.rule);
    else this.render();
  }

  push(entry: unknown): void {
    if (typeof entry === "function") (entry as (api: CoviewApi) => void)(this);
    else if (Array.isArray(entry) && typeof entry[0] === "string") {
      const method = (this as unknown as Record<string, (...args: unknown[]) => void>)[entry[0]];
      if (typeof method === "function" && entry[0] !== "push") method.apply(this, entry.slice(1));
    }
  }

  // ---- start-up ----
  async start(): Promise<void> {
    if (this.saved) {
      await this.resume(this.saved);
    }
    await this.refreshAvailability();
    this.proactive.setRules(this.availability?.proactive ?? []);
  }

  private scheduleAvailability(): void {
    window.clearTimeout(this.availabilityTimer);
    this.availabilityTimer = window.setTimeout(() => void this.refreshAvailability(), 50);
  }

  private async refreshAvailability(): Promise<void> {
    try {
      this.availability = await this.client.availability({
        page: location.href,
        tier: typeof this.identity.tier === "string" ? this.identity.tier : undefined,
        identityToken: typeof this.identity.token === "string" ? this.identity.token : undefined,
        lang: this.lang,
      });
    } catch (error) {
      console.warn("coview: availability check failed", error);
      this.availability = { available: false, modalities: [], estimated_wait_s: null, reason: "error" };
    }
    this.render();
  }

  private savedView(): View {
    const view = this.saved?.view;
    return view === "ended" || view === "session" || view === "chat" ? view : "waiting";
  }

  private async resume(saved: Saved): Promise<void> {
    if (saved.conversationId && !saved.escalationId) {
      this.view = "chat"; // still with the bot: nothing to follow yet
      return;
    }
    try {
      this.escalation = await this.client.get(saved.escalationId, saved.token);
    } catch {
      this.forget();
      return;
    }
    this.view = this.savedView();
    this.endedByCustomer = this.view === "ended";
    this.follow();
    this.apply(this.escalation);
  }

  // ---- the flow ----
  private offeredModalities(): VisualModality[] {
    const allowed = this.availability?.modalities?.length ? this.availability.modalities : OFFERED_MODALITIES;
    return OFFERED_MODALITIES.filter((m) => allowed.includes(m));
  }

  private async choose(modality: VisualModality, rule?: string): Promise<void> {
    const consentKind: ConsentKind = modality === "video" ? "camera" : modality;
    if (!(await this.consent(consentKind))) return;
    try {
      const created = await this.client.create(this.escalationBody(modality, rule), crypto.randomUUID?.() ?? String(Math.random()));
      this.escalation = created.escalation;
      this.saved = {
        escalationId: created.escalation.id,
        sessionId: created.escalation.session_id,
        token: created.customer.token,
        modalities: created.escalation.modalities,
        view: "waiting",
      };
      save(this.config.siteKey, this.saved);
      this.flushConsents();
      this.view = "waiting";
      this.follow();
      this.apply(created.escalation);
    } catch (error) {
      this.showMessage(error instanceof ApiError && error.status === 422 ? "widget.closed.ineligible" : "widget.error");
    }
  }

  /** Chat first: the bot answers, a person joins when needed, and the agent can turn
   * the chat into a call or co-browsing right here (the customer consents in the chat). */
  private async startChat(rule?: string): Promise<void> {
    try {
      const body = this.escalationBody("chat", rule);
      const created = await this.client.conversation({ context: body.context, language: this.lang });
      this.saved = {
        escalationId: "",
        sessionId: created.session_id,
        token: created.token,
        modalities: ["chat"],
        view: "chat",
        conversationId: created.conversation_id,
      };
      save(this.config.siteKey, this.saved);
      this.setView("chat");
    } catch {
      this.showMessage("widget.error");
    }
  }

  private chatOptions() {
    const saved = this.saved;
    if (!saved?.conversationId) return null;
    return {
      baseUrl: this.config.baseUrl,
      token: saved.token,
      conversationId: saved.conversationId,
      lang: this.lang,
      onConsent: (modality: string, accepted: boolean, text: string) => {
        this.recordConsent(modality === "video" ? "camera" : (modality as ConsentKind), accepted, text);
        // Consent given in the chat's card: the widget will not ask again.
        if (accepted && this.saved && !this.saved.modalities.includes(modality)) {
          this.saved.modalities = [...this.saved.modalities, modality];
          save(this.config.siteKey, this.saved);
        }
      },
      onUpgrade: (modality: string) => {
        if (!this.saved) return;
        if (!this.saved.modalities.includes(modality)) {
          this.saved.modalities = [...this.saved.modalities, modality];
          save(this.config.siteKey, this.saved);
        }
        if (!this.saved.escalationId) return;
        // Already in the session (a second upgrade, e.g. co-browsing during a call):
        // render to start what was added; a mounted call is kept as it is.
        if (this.view === "session") this.render();
        else this.setView("session");
      },
      onConversation: (conversation: { state: string; escalation_id?: string | null }) => {
        const saved = this.saved;
        if (!saved || !conversation.escalation_id || saved.escalationId) return;
        saved.escalationId = conversation.escalation_id;
        save(this.config.siteKey, saved);
        this.follow();
      },
    };
  }

  private async mountChat(slot: HTMLElement): Promise<void> {
    const options = this.chatOptions();
    if (!options || this.chat) return;
    this.chat = { unmount: () => undefined };
    this.chat = (await mountChatSlot(slot, options)) ?? this.chat;
  }

  private visualModalities(): string[] {
    return (this.saved?.modalities ?? []).filter((m) => m !== "chat");
  }

  /** The escalation request, with the page context (docs/protocol.md: Context). */
  private escalationBody(modality: Modality, rule?: string): Record<string, unknown> {
    const identity = this.identity;
    const customer: Record<string, unknown> = { language: this.lang, ...this.identityProof() };
    for (const key of ["id", "name", "email", "tier"] as const) {
      const value = identity[key];
      if (typeof value === "string" && value) customer[key] = value;
    }
    const context: Record<string, unknown> = {
      page: { url: location.href.slice(0, 4096), title: document.title.slice(0, 1000) },
      customer,
      // the browser's visitor id lets a later purchase be attributed (docs/protocol.md)
      attributes: { visitor_id: this.visitor, ...(rule ? { proactive_rule: rule } : {}) },
    };
    if (this.cart) {
      context.cart = {
        items: this.cart.items.slice(0, 500).map((item) => ({
          name: String(item.name).slice(0, 500),
          ...(item.sku ? { sku: String(item.sku) } : {}),
          quantity: Math.max(0, Math.round(Number(item.qty ?? item.quantity ?? 1)) || 0),
          ...(typeof item.price === "number" ? { price: item.price } : {}),
        })),
        ...(typeof this.cart.total === "number" ? { total: this.cart.total } : {}),
        ...(this.cart.currency ? { currency: this.cart.currency } : {}),
      };
    }
    return { trigger: rule ? "proactive" : "customer", channel: "web", modalities: [modality], context, language: this.lang };
  }

  /** The site's signature of who the customer is (docs/security.md): the server takes
   *  id, tier and e-mail only with it when the site requires verification. */
  private identityProof(): Record<string, string> {
    const { token, user_hash: hash } = this.identity;
    if (typeof token === "string" && token) return { identity_token: token };
    if (typeof hash === "string" && hash) return { user_hash: hash };
    return {};
  }

  private follow(): void {
    if (!this.saved || this.stopWatching) return;
    const { escalationId, token } = this.saved;
    this.stopWatching = this.client.watch(escalationId, token, () => void this.poll(), (type) => this.onEvent(type));
  }

  private async poll(): Promise<void> {
    if (!this.saved) return;
    try {
      this.apply(await this.client.get(this.saved.escalationId, this.saved.token));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) this.forget();
    }
  }

  /** Recording consent is the call UI's own prompt (before anything is recorded); the
   * widget only keeps a visible note that this session is being recorded. */
  private onEvent(type: string): void {
    if (type === "recording_started" && !this.recordingNoticeShown) {
      this.recordingNoticeShown = true;
      this.render();
    } else if (type === "recording_stopped" && this.recordingNoticeShown) {
      this.recordingNoticeShown = false; // stopped, or the customer withdrew consent
      this.render();
    }
  }

  private apply(escalation: Escalation): void {
    this.escalation = escalation;
    const state = escalation.state;
    if (this.endedByCustomer || this.view === "thanks") {
      if (this.view !== "thanks") this.setView("ended");
      return;
    }
    const chatOnly = !!this.saved?.conversationId && this.visualModalities().length === 0;
    if (WAITING_STATES.has(state) && this.view === "session") {
      // Transferred mid-session: the customer stays in the call and on the page while
      // the next agent picks it up (the server keeps the session; see docs/protocol.md).
      if (!this.transferring) {
        this.transferring = true;
        this.render();
      }
      return;
    }
    if (this.transferring && SESSION_STATES.has(state)) {
      this.transferring = false;
      this.render();
    }
    if (WAITING_STATES.has(state)) {
      this.setView(this.saved?.conversationId ? "chat" : "waiting");
    } else if (SESSION_STATES.has(state)) {
      void this.consentToUpgrade(escalation);
      this.setView(chatOnly ? "chat" : "session");
    } else if (ENDED_STATES.has(state)) {
      this.setView("ended"); // "thanks" (CSAT sent) returned above
    } else if (state === "cancelled") {
      this.close("widget.cancelled");
    } else {
      this.close(`widget.closed.${state === "expired" || state === "ineligible" ? state : "failed"}`);
    }
  }

  /** The agent added a modality: ask the customer before turning it on here. */
  private async consentToUpgrade(escalation: Escalation): Promise<void> {
    const saved = this.saved;
    if (!saved || this.upgrading) return;
    const added = escalation.modalities.filter((m) => !saved.modalities.includes(m) && !this.refused.has(m));
    if (!added.length) return;
    this.upgrading = true;
    try {
      for (const modality of added) {
        const kind: ConsentKind = modality === "video" ? "camera" : (modality as ConsentKind);
        const ok = modality === "chat" || (await this.consent(kind));
        if (!ok) {
          this.refused.add(modality);
          continue;
        }
        saved.modalities = [...saved.modalities, modality];
        save(this.config.siteKey, saved);
      }
    } finally {
      this.upgrading = false;
    }
    this.render();
  }

  private setView(view: View): void {
    const changed = view !== this.view;
    if (this.saved && (view === "chat" || view === "waiting" || view === "session" || view === "ended") && this.saved.view !== view) {
      this.saved.view = view;
      save(this.config.siteKey, this.saved);
    }
    if (view !== "session") this.unmountSlots();
    if (changed && (view === "session" || view === "ended")) this.collapsed = false;
    this.view = view;
    if (changed || view === "waiting") this.render();
  }

  private close(messageKey: string): void {
    this.forget();
    this.showMessage(messageKey);
  }

  private forget(): void {
    this.stopWatching?.();
    this.stopWatching = null;
    this.unmountSlots();
    void this.chat?.unmount();
    this.chat = null;
    this.chatSlot = null;
    this.saved = null;
    this.escalation = null;
    clear(this.config.siteKey);
  }

  private openCallback(): void {
    this.view = "callback";
    this.collapsed = false;
    this.render();
  }

  /** The alternative when visual help is not offered here and now: leave a number. */
  private callbackForm(): HTMLElement {
    const t = this.t;
    const reason = this.availability?.reason ?? "";
    const field = (name: string, label: string, attrs: Record<string, string> = {}) => {
      const id = `cv-cb-${name}`;
      const input = name === "note" ? h("textarea", { id, name, rows: "2", ...attrs }) : h("input", { id, name, ...attrs });
      return h("div", { class: "field" }, h("label", { for: id }, label), input);
    };
    const error = h("p", { class: "note", role: "alert" });
    const form = h("form", { class: "callback", novalidate: "" },
      h("p", { class: "lead" }, t(`widget.callback.reason.${reason}`) === `widget.callback.reason.${reason}` ? t("widget.unavailable") : t(`widget.callback.reason.${reason}`)),
      h("p", {}, t("widget.callback.lead")),
      field("name", t("widget.callback.name"), { autocomplete: "name", required: "", value: typeof this.identity.name === "string" ? this.identity.name : "" }),
      field("phone", t("widget.callback.phone"), { type: "tel", autocomplete: "tel", required: "" }),
      field("when", t("widget.callback.when"), { placeholder: t("widget.callback.when.hint") }),
      field("note", t("widget.callback.note")),
      error,
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("widget.callback.send"))),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.sendCallback(form, error);
    });
    return form;
  }

  private async sendCallback(form: HTMLFormElement, error: HTMLElement): Promise<void> {
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? "";
    const reasons = ["closed", "holiday", "page_not_eligible", "tier_not_eligible", "language_not_supported", "modality_not_offered", "no_agents"];
    const reason = this.availability?.reason ?? "";
    const body: Record<string, unknown> = {
      name: value("name"), phone: value("phone"), language: this.lang,
      reason: reasons.includes(reason) ? reason : "other", page_url: location.href.slice(0, 2000),
    };
    if (value("when")) body.preferred_time = value("when").slice(0, 80);
    if (value("note")) body.note = value("note").slice(0, 500);
    for (const key of ["id", "tier"] as const) {
      const v = this.identity[key];
      if (typeof v === "string" && v) body[key === "id" ? "customer_id" : "tier"] = v;
    }
    Object.assign(body, this.identityProof());
    if (!body.name || !/^\+?[0-9][0-9 ()\-.]{5,28}[0-9]$/.test(String(body.phone))) {
      error.textContent = this.t("widget.callback.invalid");
      return;
    }
    try {
      await this.client.callback(body);
      this.showMessage("widget.callback.done");
    } catch {
      error.textContent = this.t("widget.error");
    }
  }

  private showMessage(key: string): void {
    this.message = key;
    this.view = "message";
    this.render();
  }

  private async cancel(): Promise<void> {
    if (!this.saved) return;
    try {
      this.apply(await this.client.cancel(this.saved.escalationId, this.saved.token));
    } catch {
      await this.poll();
    }
  }

  /** The customer ends: hang up, stop co-browsing, withdraw the request if no session
   * has started yet, and ask for a rating once an agent has helped. */
  private async end(): Promise<void> {
    this.unmountSlots();
    const state = this.escalation?.state ?? "";
    if (WAITING_STATES.has(state)) {
      await this.cancel();
      return;
    }
    if (this.saved && (state === "accepted" || state === "connecting")) {
      try {
        this.escalation = await this.client.cancel(this.saved.escalationId, this.saved.token);
      } catch {
        /* the session started meanwhile: the agent wraps it up */
      }
    }
    this.endedByCustomer = true;
    this.setView("ended");
  }

  private onPageHide(): void {
    if (!this.saved || this.leavingInSite()) return;
    if (this.escalation && (WAITING_STATES.has(this.escalation.state) || SESSION_STATES.has(this.escalation.state))) {
      this.client.abandon(this.saved.escalationId, this.saved.token);
    }
  }

  private unmountSlots(): void {
    void this.call?.unmount();
    void this.cobrowse?.unmount();
    this.call = null;
    this.cobrowse = null;
    this.controlActive = false;
  }

  private consent(kind: ConsentKind, name?: string): Promise<boolean> {
    this.pendingConsent?.resolve(false);
    return new Promise((resolve) => {
      this.pendingConsent = {
        kind,
        name,
        resolve: (ok) => {
          const vars = { name: name ?? this.agentName() };
          this.recordConsent(kind, ok, `${this.t(`widget.consent.${kind}.title`, vars)}\n${this.t(`widget.consent.${kind}.body`, vars)}`);
          this.pendingConsent = null;
          resolve(ok);
          this.render();
        },
      };
      if (this.view === "closed") this.view = "menu";
      this.collapsed = false;
      this.render();
    });
  }

  /** Keeps the answer (with the text shown and its language) as a consent record, now
   * or as soon as there is a session. Recording and control answers are recorded by
   * the call and co-browse sockets that ask for them. */
  private recordConsent(kind: ConsentKind, granted: boolean, text: string): void {
    if (kind !== "camera" && kind !== "screen" && kind !== "cobrowse") return;
    this.consentAnswers.push({ kind, decision: granted ? "granted" : "refused", text, lang: this.lang });
    this.flushConsents();
  }

  private flushConsents(): void {
    const saved = this.saved;
    if (!saved?.token || !saved.sessionId) return;
    for (const answer of this.consentAnswers.splice(0)) {
      void this.client.consent(saved.sessionId, saved.token, answer).catch(() => undefined);
    }
  }

  private slotOptions(): SlotOptions | null {
    if (!this.saved) return null;
    return {
      baseUrl: this.config.baseUrl,
      token: this.saved.token,
      sessionId: this.saved.sessionId,
      escalationId: this.saved.escalationId,
      lang: this.lang,
      role: "customer",
      modalities: this.saved.modalities,
      consent: (kind, info) => this.consent(kind, info?.name),
      onControl: (active) => {
        this.controlActive = active;
        this.render();
      },
      onEnd: () => {
        this.endedByCustomer = true;
        this.setView("ended");
      },
      onAttention: (rect) => this.clear(rect),
    };
  }

  // ---- where the panel sits ----
  private placeHost(): void {
    this.host.setAttribute("style", `${HOST_STYLE};${hostCorner(this.layout.corner)}`);
    for (const corner of ["br", "bl", "tr", "tl"]) this.frame.classList.toggle(`pos-${corner}`, corner === this.layout.corner);
  }

  /** The customer's choice, kept for the session (this tab). */
  private setLayout(change: Partial<Layout>, remember = true): void {
    this.layout = { ...this.layout, ...change };
    if (remember) saveLayout(this.config.siteKey, this.layout);
    this.placeHost();
    if ("compact" in change) this.render();
  }

  /** The agent highlights or guides to `rect`: out of its way if the panel covers it. */
  private clear(rect: DOMRectReadOnly): void {
    const panel = this.frame.querySelector<HTMLElement>(".panel");
    if (!panel || panel.hidden) return;
    const corner = cornerClearing(this.layout.corner, panel.getBoundingClientRect(), rect);
    if (corner) this.setLayout({ corner }, false);
  }

  /** Dragging the header moves the panel; let go, and it settles in the nearest corner. */
  private draggable(header: HTMLElement, panel: HTMLElement): void {
    header.addEventListener("pointerdown", (event) => {
      if ((event.target as Element).closest("button") || event.button !== 0) return;
      event.preventDefault();
      header.setPointerCapture(event.pointerId);
      const start = { x: event.clientX, y: event.clientY };
      header.classList.add("dragging");
      panel.classList.add("dragging");
      const move = (e: PointerEvent): void => {
        panel.style.transform = `translate(${e.clientX - start.x}px, ${e.clientY - start.y}px)`;
      };
      const drop = (): void => {
        header.removeEventListener("pointermove", move);
        header.removeEventListener("pointerup", drop);
        header.removeEventListener("pointercancel", drop);
        header.classList.remove("dragging");
        panel.classList.remove("dragging");
        const box = panel.getBoundingClientRect();
        panel.style.transform = "";
        this.setLayout({ corner: cornerAt(box.left + box.width / 2, box.top + box.height / 2) });
      };
      header.addEventListener("pointermove", move);
      header.addEventListener("pointerup", drop);
      header.addEventListener("pointercancel", drop);
    });
  }

  private async mountSlots(callSlot: HTMLElement | null): Promise<void> {
    const options = this.slotOptions();
    if (!options) return;
    const mods = options.modalities;
    if (callSlot && !this.call && (mods.includes("video") || mods.includes("screen"))) {
      this.call = { unmount: () => undefined };
      this.call = (await mountCallSlot(callSlot, options)) ?? this.call;
    }
    if (!this.cobrowse && mods.includes("cobrowse")) {
      this.cobrowse = { unmount: () => undefined };
      this.cobrowse = (await startCobrowse(options)) ?? this.cobrowse;
    }
  }

  private async sendRating(form: HTMLFormElement): Promise<void> {
    const note = form.querySelector<HTMLElement>(".note");
    if (!this.rating) {
      if (note) note.textContent = this.t("widget.csat.pick");
      return;
    }
    const comment = (form.elements.namedItem("comment") as HTMLTextAreaElement).value;
    try {
      if (this.saved) await this.client.csat(this.saved.escalationId, this.saved.token, this.rating, comment);
      this.forget();
      this.view = "thanks";
      this.render();
    } catch {
      if (note) note.textContent = this.t("widget.error");
    }
  }

  // ---- rendering ----
  private render(): void {
    const t = this.t;
    const available = !!this.availability?.available;
    this.frame.classList.toggle("open", this.view !== "closed" && !this.collapsed);
    this.frame.setAttribute("lang", this.lang);
    const launcher = (): HTMLElement =>
      h(
        "button",
        { class: "launcher", type: "button", "aria-haspopup": "dialog", onclick: () => this.open() },
        svg(ICONS.video),
        t("widget.button"),
        available || this.saved ? h("span", { class: "dot", "aria-hidden": "true" }) : null,
      );
    if (this.view === "closed") {
      // The launcher shows only where the rules allow, or to come back to a live request;
      // elsewhere, when the organisation offers it, a callback request instead.
      const callback = !available && !this.saved && this.availability?.alternative === "callback";
      this.frame.replaceChildren(
        this.invitation ? this.invitationCard(this.invitation) : "",
        available || this.saved ? launcher()
          : callback ? h("button", { class: "launcher callback", type: "button", "aria-haspopup": "dialog", onclick: () => this.openCallback() }, svg(ICONS.chat), t("widget.callback.button"))
            : "",
      );
      return;
    }
    const panel = h("section", { class: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "cv-title" });
    const compact = this.view === "session" && this.layout.compact;
    panel.classList.toggle("compact", compact);
    const header = h(
      "header",
      { class: "head" },
      h("h2", { id: "cv-title" }, this.title()),
      this.view === "session"
        ? h("button", { class: "iconbtn small", type: "button", "data-action": "compact", "aria-pressed": String(compact), "aria-label": t(compact ? "widget.expand" : "widget.compact"), title: t(compact ? "widget.expand" : "widget.compact"), onclick: () => this.setLayout({ compact: !compact }) }, compact ? "▢" : "▭")
        : null,
      h("button", { class: "iconbtn small", type: "button", "data-action": "move", "aria-label": t("widget.move"), title: t("widget.move"), onclick: () => this.setLayout({ corner: nextCorner(this.layout.corner) }) }, "✥"),
      h("button", { class: "iconbtn", type: "button", "aria-label": t("widget.minimize"), title: t("widget.minimize"), onclick: () => this.minimize() }, "–"),
    );
    this.draggable(header, panel);
    const body = h("div", { class: "body" });
    panel.append(header, body);
    let callSlot: HTMLElement | null = null;
    switch (this.view) {
      case "menu":
        body.append(...this.menuView());
        break;
      case "chat":
        panel.classList.add("wide");
        body.append(this.chatArea());
        break;
      case "waiting":
        body.append(...this.waitingView());
        break;
      case "session": {
        panel.classList.add("wide");
        const parts = this.sessionView();
        callSlot = parts.callSlot;
        body.append(...parts.nodes);
        if (this.saved?.conversationId) body.append(this.chatArea());
        break;
      }
      case "ended":
        body.append(this.csatView());
        break;
      case "thanks":
        body.append(
          h("div", { class: "done", role: "status" }, h("div", { class: "check", "aria-hidden": "true" }, "✓"), h("p", { class: "big" }, t("widget.csat.thanks"))),
          h("div", { class: "row" }, h("button", { class: "secondary", type: "button", onclick: () => this.dismiss() }, t("widget.close"))),
        );
        break;
      case "callback":
        body.append(this.callbackForm());
        break;
      case "message":
        body.append(
          h("p", { class: "big", role: "status" }, t(this.message)),
          h(
            "div",
            { class: "row" },
            available ? h("button", { class: "secondary", type: "button", onclick: () => this.restart() }, t("widget.retry")) : null,
            h("button", { class: "primary", type: "button", onclick: () => this.dismiss() }, t("widget.close")),
          ),
        );
        break;
    }
    body.append(h("div", { class: "powered" }, "coview"));
    if (this.pendingConsent) panel.append(this.consentSheet());
    // Keep a mounted call's element alive across re-renders (the video must not restart).
    const existingCall = this.frame.querySelector<HTMLElement>(".slot.call");
    if (callSlot && existingCall && this.call) callSlot.replaceWith(existingCall);
    panel.hidden = this.collapsed;
    this.frame.replaceChildren(panel, this.collapsed ? launcher() : "");
    if (this.view === "session") void this.mountSlots(existingCall && this.call ? null : callSlot);
    if (this.chatSlot && this.chatSlot.isConnected) void this.mountChat(this.chatSlot);
    const focusTarget = panel.querySelector<HTMLElement>(".sheet button, .choice, .primary, .danger");
    if (!this.frame.contains(this.root.activeElement)) focusTarget?.focus({ preventScroll: true });
  }

  /** The invitation: a labelled, non-modal dialog above the launcher; Esc dismisses it,
   *  focus goes to its first choice, and its text is set as text, never as HTML. */
  private invitationCard(invitation: Invitation): HTMLElement {
    const t = this.t;
    const text = invitation.agent ? t("widget.invite.agent", { name: invitation.agent }) : invitation.text || t("widget.invite.text");
    const card = h(
      "section",
      { class: "panel invite", role: "dialog", "aria-modal": "false", "aria-labelledby": "cv-invite-title", "aria-describedby": "cv-invite-text", "data-rule": invitation.rule },
      h("header", { class: "head" }, h("h2", { id: "cv-invite-title" }, t("widget.invite.title")), h("button", { class: "iconbtn", type: "button", "aria-label": t("widget.close"), title: t("widget.close"), onclick: () => this.answerInvitation(null) }, "×")),
      h(
        "div",
        { class: "body" },
        h("p", { class: "lead", id: "cv-invite-text" }, text),
        h(
          "div",
          { class: "row" },
          ...invitation.modalities.map((m, i) => h("button", { class: i ? "secondary" : "primary", type: "button", "data-modality": m, onclick: () => this.answerInvitation(m) }, t(`widget.invite.accept.${m}`))),
          h("button", { class: "secondary", type: "button", "data-action": "dismiss", onclick: () => this.answerInvitation(null) }, t("widget.invite.dismiss")),
        ),
      ),
    );
    card.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.answerInvitation(null);
    });
    queueMicrotask(() => card.querySelector<HTMLElement>(".primary")?.focus({ preventScroll: true }));
    return card;
  }

  private title(): string {
    const t = this.t;
    if (this.view === "session") return t("widget.session.title", { name: this.agentName() });
    if (this.view === "ended" || this.view === "thanks") return t("widget.ended.title");
    return t("widget.title");
  }

  private agentName(): string {
    const e = this.escalation;
    return e?.agent?.name ?? e?.agent_name ?? this.t("widget.session.agent");
  }

  private minimize(): void {
    if (this.pendingConsent) this.pendingConsent.resolve(false);
    if (this.view === "menu" || this.view === "message" || this.view === "thanks") this.view = "closed";
    else this.collapsed = true; // a live request or call stays mounted; only the panel hides
    this.render();
  }

  private dismiss(): void {
    this.message = "";
    this.view = "closed";
    this.render();
  }

  private restart(): void {
    this.view = "menu";
    this.render();
  }

  private menuView(): Node[] {
    const t = this.t;
    if (!this.availability?.available) return [h("p", { class: "lead", role: "status" }, t("widget.unavailable"))];
    const wait = this.availability.estimated_wait_s;
    return [
      h("p", { class: "lead" }, t("widget.subtitle")),
      h("p", { class: "big", id: "cv-choose" }, t("widget.choose")),
      h(
        "ul",
        { class: "choices", "aria-labelledby": "cv-choose" },
        this.availability.modalities?.includes("chat") === false
          ? ""
          : h(
              "li",
              {},
              h(
                "button",
                { class: "choice", type: "button", "data-modality": "chat", onclick: () => void this.startChat() },
                h("span", { class: "ic" }, svg(ICONS.chat)),
                h("strong", {}, t("widget.modality.chat")),
                h("small", {}, t("widget.modality.chat.hint")),
              ),
            ),
        ...this.offeredModalities().map((m) =>
          h(
            "li",
            {},
            h(
              "button",
              { class: "choice", type: "button", "data-modality": m, onclick: () => void this.choose(m) },
              h("span", { class: "ic" }, svg(ICONS[m as "video" | "screen" | "cobrowse"])),
              h("strong", {}, t(`widget.modality.${m}`)),
              h("small", {}, t(`widget.modality.${m}.hint`)),
            ),
          ),
        ),
      ),
      typeof wait === "number" ? h("p", { class: "eta" }, `${t("widget.wait.est")}: ${formatWait(wait, t)}`) : null,
    ].filter(Boolean) as Node[];
  }

  private waitingView(): Node[] {
    const t = this.t;
    const e = this.escalation;
    const position = typeof e?.queue_position === "number" ? e.queue_position : null;
    const wait = typeof e?.estimated_wait_s === "number" ? e.estimated_wait_s : this.availability?.estimated_wait_s;
    const offered = e?.state === "offered";
    return [
      h(
        "div",
        { class: "waiting", role: "status", "aria-live": "polite" },
        h("div", { class: "spinner", "aria-hidden": "true" }),
        h("p", { class: "big" }, offered ? t("widget.waiting.offered") : t("widget.waiting.title")),
        position !== null ? h("p", { class: "muted", "data-queue-position": String(position) }, position <= 1 ? t("widget.waiting.next") : t("widget.waiting.position", { n: position })) : null,
        typeof wait === "number" ? h("p", { class: "muted" }, t("widget.waiting.eta", { t: formatWait(wait, t) })) : null,
        h("p", { class: "muted" }, t("widget.waiting.keep")),
      ),
      h("div", { class: "row" }, h("button", { class: "danger", type: "button", onclick: () => void this.cancel() }, t("widget.cancel"))),
    ];
  }

  private chatArea(): HTMLElement {
    this.chatSlot ??= h("div", { class: "slot chat", "data-slot": "chat" }, h("p", { class: "placeholder" }, "…"));
    return this.chatSlot;
  }

  private sessionView(): { nodes: Node[]; callSlot: HTMLElement | null } {
    const t = this.t;
    const mods = this.saved?.modalities ?? [];
    const name = this.agentName();
    const nodes: Node[] = [
      h("div", { class: "agent" }, h("span", { class: "avatar", "aria-hidden": "true" }, name.slice(0, 1).toUpperCase()), h("strong", {}, name)),
    ];
    let callSlot: HTMLElement | null = null;
    if (mods.includes("video") || mods.includes("screen")) {
      callSlot = h("div", { class: "slot call", "data-slot": "call" }, h("p", { class: "placeholder" }, t("widget.session.connecting")));
      nodes.push(callSlot);
    }
    if (mods.includes("cobrowse")) {
      nodes.push(h("div", { class: "slot cobrowse", "data-slot": "cobrowse" }, h("span", { class: "live", "aria-hidden": "true" }), t("widget.session.cobrowse")));
    }
    if (this.transferring) {
      nodes.push(h("p", { class: "banner", role: "status" }, t("widget.session.transferring")));
    }
    if (this.recordingNoticeShown) {
      nodes.push(h("p", { class: "banner rec", role: "status" }, h("span", { class: "live", "aria-hidden": "true" }), t("widget.consent.recording.title")));
    }
    if (this.controlActive) {
      nodes.push(
        h(
          "div",
          { class: "banner", role: "status" },
          t("widget.control.active"),
          h("button", { class: "secondary", type: "button", onclick: () => this.revokeControl() }, t("widget.control.stop")),
        ),
      );
    }
    nodes.push(h("div", { class: "row" }, h("button", { class: "danger", type: "button", onclick: () => void this.end() }, t("widget.session.end"))));
    return { nodes, callSlot };
  }

  private revokeControl(): void {
    const capture = this.cobrowse as (Mounted & { revokeControl?: () => void }) | null;
    capture?.revokeControl?.();
    this.controlActive = false;
    this.render();
  }

  private csatView(): HTMLFormElement {
    const t = this.t;
    const stars = h("fieldset", { class: "stars" }, h("legend", {}, t("widget.csat.question")));
    const labels: HTMLLabelElement[] = [];
    const paint = (): void => labels.forEach((label, i) => label.classList.toggle("on", i < this.rating));
    for (let n = 1; n <= 5; n++) {
      const input = h("input", { type: "radio", name: "score", value: String(n), "aria-label": t("widget.csat.star", { n }) });
      if (n === this.rating) input.checked = true;
      input.addEventListener("change", () => {
        this.rating = n;
        paint();
      });
      const label = h("label", { title: t("widget.csat.star", { n }) }, input, h("span", { "aria-hidden": "true" }, "★"));
      labels.push(label);
      stars.append(label);
    }
    paint();
    const form = h(
      "form",
      { class: "csat", novalidate: true },
      stars,
      h("label", { class: "field" }, t("widget.csat.comment"), h("textarea", { name: "comment", maxlength: "1000" })),
      h("p", { class: "note", role: "alert" }),
      h(
        "div",
        { class: "row" },
        h("button", { class: "secondary", type: "button", onclick: () => this.skipRating() }, t("widget.csat.skip")),
        h("button", { class: "primary", type: "submit" }, t("widget.csat.submit")),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.sendRating(form);
    });
    return form;
  }

  private skipRating(): void {
    this.forget();
    this.dismiss();
  }

  private consentSheet(): HTMLElement {
    const t = this.t;
    const pending = this.pendingConsent!;
    const kind = pending.kind;
    const name = pending.name ?? this.agentName();
    const isNotice = kind === "recording";
    return h(
      "div",
      { class: "overlay" },
      h(
        "div",
        { class: "sheet", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "cv-consent-title", "aria-describedby": "cv-consent-body", "data-consent": kind },
        h("h3", { id: "cv-consent-title" }, t(`widget.consent.${kind}.title`, { name })),
        h("p", { id: "cv-consent-body" }, t(`widget.consent.${kind}.body`, { name })),
        h(
          "div",
          { class: "row" },
          h("button", { class: isNotice ? "danger" : "secondary", type: "button", onclick: () => pending.resolve(false) }, t(isNotice ? "widget.consent.leave" : "widget.consent.deny")),
          h("button", { class: "primary", type: "button", onclick: () => pending.resolve(true) }, t(isNotice ? "widget.consent.continue" : "widget.consent.allow")),
        ),
      ),
    );
  }
}
