// Live visitors on pages a "watch" rule matches (page, cart, time on page; a name only
// when the site identified the customer), and the agent's invitation to one of them:
// their widget shows it at its next report (every 10 s) and, if accepted, the request
// arrives as a proactive escalation like any other.
import { h } from "../shared/dom";
import type { ConsoleApi } from "./api";
import { money } from "./context";
import { lang, t } from "./strings";

interface Visitor {
  id: string; rule_id: string; page: string; title: string; time_on_page_s: number;
  cart_total: number | null; cart_items: number; currency: string | null; customer_name: string | null;
  invitation: { agent_name: string } | null;
}

export class VisitorsBox {
  private readonly list = h("ul", { class: "visitors", "aria-label": t("console.visitors") });
  private readonly invited = new Set<string>();
  readonly root = h("section", { class: "side-box", "aria-labelledby": "visitors-title" }, h("h2", { id: "visitors-title" }, t("console.visitors")), this.list);

  constructor(private readonly api: ConsoleApi) {}

  start(): void {
    void this.load();
    window.setInterval(() => void this.load(), 5_000);
  }

  private async load(): Promise<void> {
    let visitors: Visitor[];
    try {
      visitors = (await this.api.call<{ visitors: Visitor[] }>("GET", "/api/proactive/visitors")).visitors;
    } catch {
      return;
    }
    if (!visitors.length) {
      this.list.replaceChildren(h("li", { class: "muted" }, t("console.visitors.none")));
      return;
    }
    this.list.replaceChildren(...visitors.map((v) => this.row(v)));
  }

  private row(v: Visitor): HTMLElement {
    const who = v.customer_name ?? t("console.anonymous");
    const invite = h("button", { class: "btn", type: "button" }, t(this.invited.has(v.id) ? "console.visitors.invited" : "console.visitors.invite"));
    invite.disabled = this.invited.has(v.id);
    invite.onclick = async () => {
      invite.disabled = true;
      try {
        await this.api.call("POST", `/api/proactive/visitors/${encodeURIComponent(v.id)}/invite`, { modality: "video" });
        this.invited.add(v.id);
        invite.textContent = t("console.visitors.invited");
      } catch {
        invite.disabled = false; // the visitor left: the next refresh drops the row
      }
    };
    const cart = v.cart_total !== null ? ` · ${money(v.cart_total, v.currency ?? "EUR", lang)} (${v.cart_items})` : "";
    return h("li", { class: "visitor", "aria-label": who, "data-visitor": v.id },
      h("strong", {}, who), " ", h("small", {}, v.title || v.page),
      h("p", { class: "muted" }, `${t("console.visitors.time", { s: v.time_on_page_s })}${cart}`), invite);
  }
}
