// Proactive invitations, evaluated in the page: time on page, funnel time, visits, cart,
// tier, language and the integrator's signals are checked here every second, and the
// server is asked (once per rule and page view) only when a rule could fire, so an idle
// page costs the server nothing. A "watch" rule reports the visitor to agents instead.
import type { CartInput } from "./api";

export interface ProactiveRule {
  id: string;
  action: "invite" | "watch";
  page: string;
  min_time_on_page_s: number;
  min_funnel_time_s: number;
  min_visits: number;
  min_cart_total: number | null;
  min_cart_items: number | null;
  tiers: string[] | null;
  languages: string[] | null;
  signal: string | null;
  modalities: string[];
  cap_minutes: number;
  once_per_session: boolean;
  text: string | null;
}

export interface Invitation {
  rule: string; // the rule id, or "agent" for an agent's invitation
  modalities: string[];
  text: string | null;
  agent?: string;
}

export interface ProactiveHost {
  cart(): CartInput | null;
  tier(): string | undefined;
  lang(): string;
  /** The widget is in use (panel open, a request or a session): never interrupt it. */
  busy(): boolean;
  check(rule: ProactiveRule): Promise<{ invite: boolean; modalities: string[] }>;
  presence(rule: ProactiveRule, body: Record<string, unknown>): Promise<{ invitation: { agent_name: string; modality: string } | null }>;
  show(invitation: Invitation): void;
}

const store = (s: Storage, key: string, value?: string): string | null => {
  try {
    if (value !== undefined) s.setItem(key, value);
    return s.getItem(key);
  } catch {
    return null; // storage disabled: no cap memory beyond this page
  }
};

/** fnmatch's `*` and `?`, as the server matches page paths. */
export function pageMatches(pattern: string, path: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(path);
}

/** The customer is typing into a form field of the page: an invitation would get in the way. */
function typing(): boolean {
  const el = document.activeElement as HTMLElement | null;
  return !!el && (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable);
}

export function visitorId(): string {
  const key = "coview-visitor";
  return store(localStorage, key) ?? store(localStorage, key, (crypto.randomUUID?.() ?? `v${Date.now()}${Math.random()}`).replace(/[^A-Za-z0-9_-]/g, "")) ?? "anonymous-visitor";
}

export class Proactive {
  private rules: ProactiveRule[] = [];
  private readonly signals = new Set<string>();
  private readonly asked = new Set<string>();
  private readonly since = Date.now();
  private readonly visits: number;
  private timer = 0;
  private lastPresence = 0;

  constructor(
    private readonly siteKey: string,
    private readonly host: ProactiveHost,
  ) {
    const key = `coview-visits:${location.pathname}`;
    this.visits = Number(store(localStorage, key, String(Number(store(localStorage, key) ?? 0) + 1)) ?? 1);
  }

  setRules(rules: ProactiveRule[]): void {
    this.rules = rules;
    window.clearInterval(this.timer);
    if (rules.length) this.timer = window.setInterval(() => void this.tick(), 1000);
  }

  signal(name: string): void {
    this.signals.add(String(name));
    void this.tick();
  }

  /** The first checkout step of this browser session starts the funnel clock. */
  funnelStep(): void {
    if (!store(sessionStorage, "coview-funnel")) store(sessionStorage, "coview-funnel", String(Date.now()));
  }

  private capped(rule: ProactiveRule): boolean {
    if (rule.once_per_session && store(sessionStorage, `coview-invited:${rule.id}`)) return true;
    const last = Number(store(localStorage, `coview-invited:${this.siteKey}:${rule.id}`) ?? 0);
    return Date.now() - last < rule.cap_minutes * 60_000;
  }

  private holds(rule: ProactiveRule): boolean {
    const seconds = (Date.now() - this.since) / 1000;
    const funnelStart = Number(store(sessionStorage, "coview-funnel") ?? 0);
    const cart = this.host.cart();
    const items = cart?.items.reduce((n, i) => n + Number(i.qty ?? i.quantity ?? 1), 0) ?? 0;
    const tier = this.host.tier();
    return (
      pageMatches(rule.page, location.pathname) &&
      seconds >= rule.min_time_on_page_s &&
      (!rule.min_funnel_time_s || (funnelStart > 0 && Date.now() - funnelStart >= rule.min_funnel_time_s * 1000)) &&
      this.visits >= rule.min_visits &&
      (rule.min_cart_total === null || (cart?.total ?? 0) >= rule.min_cart_total) &&
      (rule.min_cart_items === null || items >= rule.min_cart_items) &&
      (rule.tiers === null || (!!tier && rule.tiers.includes(tier))) &&
      (rule.languages === null || rule.languages.includes(this.host.lang())) &&
      (rule.signal === null || this.signals.has(rule.signal))
    );
  }

  private async tick(): Promise<void> {
    for (const rule of this.rules) {
      if (!this.holds(rule)) continue;
      if (rule.action === "watch") await this.report(rule);
      else if (!this.asked.has(rule.id) && !this.capped(rule) && !this.host.busy() && !typing()) {
        this.asked.add(rule.id); // one question per rule and page view
        try {
          const answer = await this.host.check(rule);
          if (!answer.invite || this.host.busy() || typing()) continue;
          store(sessionStorage, `coview-invited:${rule.id}`, "1");
          store(localStorage, `coview-invited:${this.siteKey}:${rule.id}`, String(Date.now()));
          this.host.show({ rule: rule.id, modalities: answer.modalities, text: rule.text });
          return;
        } catch {
          /* the help service is unreachable: no invitation */
        }
      }
    }
  }

  /** Every 10 s while a watch rule holds: shown to agents, who may invite. */
  private async report(rule: ProactiveRule): Promise<void> {
    if (Date.now() - this.lastPresence < 10_000) return;
    this.lastPresence = Date.now();
    const cart = this.host.cart();
    try {
      const answer = await this.host.presence(rule, {
        rule_id: rule.id,
        page: location.href.slice(0, 2048),
        title: document.title.slice(0, 300),
        time_on_page_s: Math.round((Date.now() - this.since) / 1000),
        cart_items: cart?.items.length ?? 0,
        ...(typeof cart?.total === "number" ? { cart_total: cart.total } : {}),
        ...(cart?.currency ? { currency: cart.currency } : {}),
        lang: this.host.lang(),
      });
      const invitation = answer.invitation;
      if (invitation && !this.host.busy()) this.host.show({ rule: "agent", modalities: [invitation.modality], text: null, agent: invitation.agent_name });
    } catch {
      /* try again at the next report */
    }
  }
}
