// One accepted escalation's workspace: context panel (everything the customer already
// told us), call and co-browse slots, actions (upgrade, transfer) and the wrap-up form.
import { h } from "../shared/dom";
import { safeUrl } from "../shared/url";
import type { ConsoleApi, Escalation } from "./api";
import { ConsentHistory } from "./consents";
import { money, readContext, type Context } from "./context";
import { expertForm } from "./experts";
import { makeMovable } from "./focus";
import { mountCall, mountChatSlot, mountViewer, type ChatSlot, type Mounted } from "./slots";
import { lang, t } from "./strings";

const VISUAL = ["video", "screen", "cobrowse"];
// States in which this agent holds the escalation; in any other it has left the workspace.
const HELD_STATES = new Set(["accepted", "connecting", "in_session", "wrap_up"]);
const TRANSFER_SKILLS = ["support", "sales", "billing"];

export interface HelpAck {
  ok: boolean;
  reask_after_s?: number;
  error?: { message: string };
}

export class Workspace {
  readonly panel: HTMLElement;
  private call: Mounted | null = null;
  private viewer: Mounted | null = null;
  private callSlot: HTMLElement | null = null;
  private viewerSlot: HTMLElement | null = null;
  private chat: ChatSlot | null = null;
  private chatSlot: HTMLElement | null = null;
  unread = 0;
  onUnread: ((count: number) => void) | null = null;
  private stateEl: HTMLElement | null = null;
  private actionsEl: HTMLElement | null = null;
  private status: HTMLElement;
  private wrapping = false;
  private consents: ConsentHistory | null = null;
  /** Raise hand (issue #25): set by the console, which owns the /agent feed. */
  askHelp: ((sessionId: string) => Promise<HelpAck>) | null = null;
  // While a request for help is open (until answered, or the server's re-ask window
  // ends) the button stays disabled, through re-renders of the actions too.
  private helpButton: HTMLButtonElement | null = null;
  private helpOpenUntil = 0;
  private helpTimer: number | undefined;

  constructor(
    public escalation: Escalation,
    private readonly api: ConsoleApi,
    private readonly onClose: (id: string) => void,
  ) {
    this.status = h("p", { class: "ws-status", role: "status" });
    this.panel = h("section", { class: "ws", role: "tabpanel", id: `panel-${escalation.id}`, "aria-labelledby": `tab-${escalation.id}`, tabindex: "-1" });
    this.render();
    void this.loadHistory();
  }

  get label(): string {
    const ctx = readContext(this.escalation.context, this.escalation.language);
    return ctx.name ?? ctx.customerId ?? t("console.anonymous");
  }

  get done(): boolean {
    return !HELD_STATES.has(this.escalation.state);
  }

  update(escalation: Escalation): void {
    const modalitiesChanged = escalation.modalities.join() !== this.escalation.modalities.join();
    this.escalation = escalation;
    this.consents?.changed();
    if (modalitiesChanged) {
      this.render();
      return;
    }
    if (this.stateEl) {
      this.stateEl.textContent = t(`console.state.${escalation.state}`);
      this.stateEl.dataset.state = escalation.state;
    }
    if (this.done && !this.wrapping) {
      // Handed on (transferred back to the queue or to a colleague): leave the call to
      // the customer and the next agent rather than ending it for everyone.
      const handedOn = escalation.state === "queued" || escalation.state === "offered" ||
        (escalation.agent_id !== null && HELD_STATES.has(escalation.state));
      if (handedOn && this.call?.leave) this.call.leave();
      else void this.call?.unmount();
      void this.viewer?.unmount();
      this.call = null;
      this.viewer = null;
      this.renderActions();
    }
  }

  destroy(): void {
    void this.call?.unmount();
    void this.viewer?.unmount();
    void this.chat?.unmount();
    this.panel.remove();
  }

  /** The conversation this escalation came from, when it started as a chat. */
  get conversationId(): string | null {
    const id = this.escalation.conversation_id;
    return typeof id === "string" ? id : null;
  }

  markRead(): void {
    this.unread = 0;
    this.chat?.markRead();
    this.onUnread?.(0);
  }

  private render(): void {
    const e = this.escalation;
    const ctx = readContext(e.context, e.language);
    this.panel.replaceChildren(
      this.contextPanel(ctx),
      h(
        "div",
        { class: "stage" },
        this.mediaArea(),
        (this.actionsEl = h("div", { class: "actions" })),
        this.status,
      ),
    );
    this.renderActions();
    void this.mountSlots();
  }

  private contextPanel(ctx: Context): HTMLElement {
    const e = this.escalation;
    const dl = h("dl", { class: "facts" });
    const fact = (label: string, value: Node | string | null): void => {
      if (value === null || value === "") return;
      dl.append(h("dt", {}, label), h("dd", {}, value));
    };
    fact(t("console.customer"), h("span", {}, [ctx.name, ctx.email].filter(Boolean).join(" · ") || t("console.anonymous"), " ", identityBadge(ctx.verified)));
    fact(t("console.tier"), ctx.tier ? h("span", { class: `tag tier-${ctx.tier}` }, ctx.tier) : null);
    fact(t("console.language"), ctx.language ? ctx.language.toUpperCase() : null);
    fact(t("console.requested"), e.modalities.map((m) => t(`console.modality.${m}`)).join(", "));
    const rule = typeof ctx.attributes.proactive_rule === "string" ? ctx.attributes.proactive_rule : null;
    fact(t("console.trigger"), h("span", { class: "tag", "data-trigger": e.trigger }, t(`console.trigger.${e.trigger}`), rule ? ` · ${t("console.trigger.rule", { rule })}` : ""));
    this.stateEl = h("span", { class: "tag state", "data-state": e.state }, t(`console.state.${e.state}`));
    fact(t("console.state"), this.stateEl);
    if (ctx.pageUrl) {
      // Only an http(s) page is a link; anything else is shown as text, never opened.
      const href = safeUrl(ctx.pageUrl);
      const label = [ctx.pageTitle ?? ctx.pageUrl, h("small", {}, ctx.pageUrl)];
      fact(t("console.page"), href
        ? h("a", { href, target: "_blank", rel: "noopener noreferrer", class: "page-link" }, ...label)
        : h("span", { class: "page-link unsafe" }, ...label));
    }
    fact(t("console.intent"), ctx.intent ? `${ctx.intent}${ctx.confidence !== null ? ` (${Math.round(ctx.confidence * 100)}%)` : ""}` : t("console.intent.none"));

    const cart = h("section", { class: "box", "aria-label": t("console.cart") }, h("h3", {}, t("console.cart")));
    if (ctx.cart && ctx.cart.items.length) {
      const list = h("ul", { class: "cart" });
      for (const item of ctx.cart.items) {
        list.append(h("li", {}, h("span", {}, `${item.qty} × ${item.name}`), item.price !== undefined ? h("strong", {}, money(item.qty * item.price, ctx.cart.currency, lang)) : null));
      }
      cart.append(list);
      if (ctx.cart.total !== null) cart.append(h("p", { class: "cart-total" }, h("span", {}, t("console.cart.total")), h("strong", {}, money(ctx.cart.total, ctx.cart.currency, lang))));
    } else {
      cart.append(h("p", { class: "muted" }, t("console.cart.empty")));
    }

    const transcript = h("section", { class: "box", "aria-label": t("console.transcript") }, h("h3", {}, t("console.transcript")));
    if (ctx.transcript.length) {
      const list = h("ol", { class: "transcript" });
      for (const line of ctx.transcript) list.append(h("li", { class: `from-${line.from || "unknown"}` }, line.from ? h("b", {}, `${t(`console.role.${line.from}`)}: `) : null, line.text));
      transcript.append(list);
    } else {
      transcript.append(h("p", { class: "muted" }, t("console.transcript.none")));
    }
    const notes = (Array.isArray(e.notes) ? (e.notes as { by?: string; text?: string }[]) : []).filter((n) => n.text);
    const note = notes.length
      ? h("section", { class: "box", "aria-label": t("console.notes") }, h("h3", {}, t("console.notes")), ...notes.map((n) => h("p", { class: "transfer-note" }, n.text ?? "")))
      : ctx.note
        ? h("p", { class: "transfer-note" }, ctx.note)
        : null;
    // visitor_id is the widget's internal browser id; the rule is shown with the trigger
    const attrs = Object.entries(ctx.attributes).filter(([key]) => key !== "visitor_id" && key !== "proactive_rule");
    for (const [key, value] of attrs.slice(0, 12)) fact(key, typeof value === "string" ? value : JSON.stringify(value));
    const history = h("section", { class: "box history", "aria-label": t("console.history") }, h("h3", {}, t("console.history")), h("p", { class: "muted" }, "…"));
    this.consents ??= new ConsentHistory(this.api, e.session_id);
    return h("aside", { class: "ctx", "aria-label": t("console.context") }, h("h2", { class: "ctx-title" }, t("console.context")), dl, note, cart, transcript, history, this.consents.root);
  }

  private async loadHistory(): Promise<void> {
    const box = this.panel.querySelector(".history");
    if (!box) return;
    const body = h("div", {});
    let previous: Escalation[] = [];
    // Only a verified customer id is indexed (the server sets customer_id then): an
    // unverified visitor must not be shown someone else's history.
    const customerId = typeof this.escalation.customer_id === "string" ? this.escalation.customer_id : null;
    if (customerId) {
      try {
        previous = (await this.api.history(customerId)).filter((e) => e.id !== this.escalation.id);
      } catch {
        previous = [];
      }
    }
    const unverified = readContext(this.escalation.context).verified === false;
    if (!previous.length) body.append(h("p", { class: "muted" }, t(unverified && !customerId ? "console.history.unverified" : "console.history.none")));
    else {
      const list = h("ul", { class: "past" });
      for (const e of previous.slice(0, 10)) {
        const when = new Date(e.created_at).toLocaleDateString(lang);
        const pctx = readContext(e.context);
        list.append(h("li", {}, h("span", {}, `${when} · ${e.modalities.map((m) => t(`console.modality.${m}`)).join(", ")}`), h("span", { class: "tag", "data-state": e.state }, t(`console.state.${e.state}`)), pctx.pageTitle ? h("small", {}, pctx.pageTitle) : null));
      }
      body.append(list);
    }
    box.querySelector("p")?.replaceWith(body);
  }

  private mediaArea(): HTMLElement {
    const mods = this.escalation.modalities;
    const area = h("div", { class: "media" });
    // Slots are kept across re-renders (a modality added mid-session re-renders the
    // workspace): a call or page view already mounted goes on where it was.
    if (mods.includes("video") || mods.includes("screen")) {
      this.callSlot ??= h("div", { class: "slot call", "data-slot": "call", "aria-label": t("console.call") }, h("p", { class: "placeholder" }, t("console.call.waiting")));
      area.append(this.callSlot);
    }
    if (mods.includes("cobrowse")) {
      this.viewerSlot ??= h("div", { class: "slot cobrowse", "data-slot": "cobrowse", "aria-label": t("console.cobrowse") }, h("p", { class: "placeholder" }, t("console.cobrowse.waiting")));
      area.append(this.viewerSlot);
    }
    area.classList.toggle("both", !!(this.callSlot && this.viewerSlot));
    if (this.conversationId) {
      // Kept across re-renders: the chat stays beside the call and the page.
      this.chatSlot ??= h("div", { class: "slot chat", "data-slot": "chat", "aria-label": t("console.chat") }, h("p", { class: "placeholder" }, "…"));
      area.append(this.chatSlot);
      area.classList.add("with-chat");
    }
    return area;
  }

  private async mountSlots(): Promise<void> {
    if (!this.api.token || this.done) return;
    const options = {
      baseUrl: location.origin,
      token: this.api.token,
      sessionId: this.escalation.session_id,
      escalationId: this.escalation.id,
      lang,
      role: "agent" as const,
      modalities: this.escalation.modalities,
    };
    if (this.chatSlot && !this.chat && this.conversationId) {
      this.chat = await mountChatSlot(this.chatSlot, { ...options, conversationId: this.conversationId });
      if (this.chat) {
        this.chat.onUnread = (n) => {
          this.unread = n;
          this.onUnread?.(n);
        };
      }
    }
    if (this.callSlot && !this.call) {
      this.call = await mountCall(this.callSlot, options);
      // In focus mode beside co-browsing the call is a picture-in-picture: its handle.
      const handle = h("button", { class: "pip-handle", type: "button", "aria-label": t("console.pip.move"), title: t("console.pip.move") }, "⠿");
      this.callSlot.prepend(handle);
      makeMovable(this.callSlot, handle);
    }
    if (this.viewerSlot && !this.viewer) this.viewer = await mountViewer(this.viewerSlot, options);
  }

  private renderActions(): void {
    const el = this.actionsEl;
    if (!el) return;
    const e = this.escalation;
    if (this.done) {
      el.replaceChildren(
        h("p", { class: "ended", role: "status" }, t(e.state === "completed" ? "console.wrap.done" : e.state === "queued" || e.state === "offered" ? "console.transfer.done" : "console.ended")),
        h("button", { class: "btn", type: "button", onclick: () => this.onClose(e.id) }, t("console.close_tab")),
      );
      return;
    }
    if (this.wrapping || e.state === "wrap_up") {
      el.replaceChildren(this.wrapForm());
      return;
    }
    const missing = VISUAL.filter((m) => !e.modalities.includes(m));
    const upgrade = h(
      "div",
      { class: "action-group", role: "group", "aria-label": t("console.upgrade") },
      h("span", { class: "group-label" }, t("console.upgrade")),
      ...missing.map((m) => h("button", { class: "btn", type: "button", onclick: () => void this.upgrade(m) }, `+ ${t(`console.modality.${m}`)}`)),
    );
    // A queue (by skill) or, once known, an available colleague: "skill:support" / "agent:ag_x".
    const skill = h("select", { name: "skill", "aria-label": t("console.transfer.to") },
      h("optgroup", { label: t("console.transfer.queues") }, ...TRANSFER_SKILLS.map((s) => h("option", { value: `skill:${s}` }, s))));
    const colleagues = h("optgroup", { label: t("console.transfer.agents") });
    const listColleagues = () => void this.api.colleagues().then((agents) => {
      const chosen = skill.value;
      colleagues.replaceChildren(...agents.filter((a) => a.status === "available")
        .map((a) => h("option", { value: `agent:${a.id}` }, a.name)));
      if (colleagues.children.length) skill.append(colleagues);
      else colleagues.remove();
      skill.value = [...skill.options].some((o) => o.value === chosen) ? chosen : skill.options[0]?.value ?? "";
    }).catch(() => undefined);
    listColleagues();
    skill.addEventListener("focus", listColleagues); // who is available now
    const note = h("input", { name: "note", type: "text", placeholder: t("console.transfer.note"), "aria-label": t("console.transfer.note"), maxlength: "500" });
    const transfer = h("form", { class: "action-group transfer" }, h("span", { class: "group-label" }, t("console.transfer")), skill, note, h("button", { class: "btn", type: "submit" }, t("console.transfer")));
    transfer.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.transfer(skill.value, note.value, skill.selectedOptions[0]?.textContent ?? "");
    });
    const wrap = h("button", { class: "btn primary", type: "button", onclick: () => void this.startWrapUp() }, t("console.wrap"));
    const help = h("button", { class: "btn help", type: "button", onclick: () => void this.raiseHand() }, t("console.help.ask"));
    help.disabled = Date.now() < this.helpOpenUntil;
    this.helpButton = help;
    // The expert form opens on demand: the co-browsed page keeps the workspace's height.
    const expert = expertForm(this.api, e.id, this.status);
    expert.hidden = true;
    expert.id = `expert-${e.id}`;
    const bringExpert = h("button", { class: "btn", type: "button", "aria-expanded": "false", "aria-controls": expert.id }, t("console.expert.open"));
    bringExpert.addEventListener("click", () => {
      expert.hidden = !expert.hidden;
      bringExpert.setAttribute("aria-expanded", String(!expert.hidden));
      if (!expert.hidden) expert.querySelector("select")?.focus();
    });
    el.replaceChildren(missing.length ? upgrade : "", transfer, bringExpert, help, wrap, expert);
  }

  /** Ask the organisation's supervisors for help without leaving the customer. */
  private async raiseHand(): Promise<void> {
    if (!this.askHelp || !this.helpButton) return;
    this.helpButton.disabled = true;
    const ack = await this.askHelp(this.escalation.session_id);
    if (ack.ok) {
      this.status.textContent = t("console.help.asked");
      this.helpOpen((ack.reask_after_s ?? 0) * 1000);
    } else {
      this.helpOpen(0);
      this.status.textContent = t("console.error", { detail: ack.error?.message ?? "" });
    }
  }

  /** No new request for ``ms`` (0: the agent may ask now). */
  private helpOpen(ms: number): void {
    window.clearTimeout(this.helpTimer);
    this.helpOpenUntil = Date.now() + ms;
    if (this.helpButton) this.helpButton.disabled = ms > 0;
    if (ms > 0) this.helpTimer = window.setTimeout(() => this.helpOpen(0), ms);
  }

  /** A supervisor answered this workspace's request for help: the agent may ask again later. */
  helpAnswered(name: string): void {
    this.helpOpen(0);
    this.status.textContent = t("console.help.answered", { name });
  }

  private wrapForm(): HTMLElement {
    const dispositions = ["resolved", "sale", "follow_up", "not_resolved"];
    const notes = h("textarea", { name: "notes", rows: "3", maxlength: "4000" });
    const disposition = h("select", { name: "disposition" }, ...dispositions.map((d) => h("option", { value: d }, t(`console.wrap.${d}`))));
    const form = h(
      "form",
      { class: "wrap", "aria-label": t("console.wrap.title") },
      h("h3", {}, t("console.wrap.title")),
      h("label", {}, t("console.wrap.disposition"), disposition),
      h("label", {}, t("console.wrap.notes"), notes),
      h("button", { class: "btn primary", type: "submit" }, t("console.wrap.complete")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.complete(notes.value, disposition.value);
    });
    queueMicrotask(() => disposition.focus());
    return form;
  }

  private async run(action: string, body: Record<string, unknown>, doneText?: string): Promise<boolean> {
    this.status.textContent = "";
    try {
      this.update(await this.api.act(this.escalation.id, action, body));
      if (doneText) this.status.textContent = doneText;
      return true;
    } catch (error) {
      this.status.textContent = t("console.error", { detail: (error as Error).message });
      return false;
    }
  }

  /** From a chat, the customer consents first (a card in their chat); otherwise the
   * modality is added at once (e.g. a call the customer joined by code). */
  private async upgrade(modality: string): Promise<boolean> {
    if (!this.chat) return this.run("upgrade", { modalities: [modality] });
    this.status.textContent = "";
    try {
      await this.chat.offer(modality);
      this.status.textContent = t("console.offer.sent", { modality: t(`console.modality.${modality}`) });
      return true;
    } catch (error) {
      this.status.textContent = t("console.error", { detail: (error as Error).message });
      return false;
    }
  }

  private async transfer(target: string, note: string, label: string): Promise<void> {
    const [kind, id] = target.split(":", 2);
    const text = note.trim() || t("console.transfer.default_note", { skill: label || id });
    const body: Record<string, unknown> = kind === "agent"
      ? { to_agent_id: id, note: text }
      : { to_queue: true, skills: [id], note: text };
    if (await this.run("transfer", body, t("console.transfer.done"))) {
      // update() has left the call to the customer and the next agent.
      void this.viewer?.unmount();
    }
  }

  /** Ends the call (the customer's page shows the end and the rating form at once),
   * then the form records notes and outcome: wrap_up, then complete. */
  private startWrapUp(): void {
    void this.call?.unmount();
    void this.viewer?.unmount();
    this.call = null;
    this.viewer = null;
    this.wrapping = true;
    this.renderActions();
  }

  private async complete(notes: string, disposition: string): Promise<void> {
    if (this.escalation.state !== "wrap_up" && !(await this.run("wrap_up", { notes: notes.trim(), disposition }))) return;
    if (await this.run("complete", {}, t("console.wrap.done"))) {
      this.wrapping = false;
      this.renderActions();
    }
  }
}

/** "Verified" / "Unverified" beside the customer's name: whether the site's backend
 *  signed who they are (docs/security.md); nothing for records from before. */
function identityBadge(verified: boolean | null): HTMLElement | null {
  if (verified === null) return null;
  const key = verified ? "console.identity.verified" : "console.identity.unverified";
  return h("span", { class: `tag identity ${verified ? "verified" : "unverified"}`, title: t(`${key}.hint`), "data-identity": verified ? "verified" : "unverified" }, t(key));
}
