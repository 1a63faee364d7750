import { formatMoney } from "../shared/i18n";

// Reading an escalation's context tolerantly: the widget, a bot and integrations fill it,
// and the console shows whatever is there so the customer never repeats anything.
export interface CartLine {
  name: string;
  qty: number;
  price?: number;
  sku?: string;
}

export interface Line {
  from: string;
  text: string;
  at?: string;
}

export interface Context {
  customerId: string | null;
  name: string | null;
  email: string | null;
  tier: string | null;
  /** Whether the site signed id/tier/e-mail (null: recorded before verification existed). */
  verified: boolean | null;
  language: string | null;
  pageUrl: string | null;
  pageTitle: string | null;
  cart: { items: CartLine[]; total: number | null; currency: string } | null;
  intent: string | null;
  confidence: number | null;
  transcript: Line[];
  note: string | null;
  attributes: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (...values: unknown[]): string | null => {
  for (const v of values) if (typeof v === "string" && v.trim()) return v;
  return null;
};
const num = (...values: unknown[]): number | null => {
  for (const v of values) if (typeof v === "number" && Number.isFinite(v)) return v;
  return null;
};

export function readContext(raw: unknown, language?: string | null): Context {
  const c = obj(raw);
  const customer = obj(c.customer);
  const bot = obj(c.bot);
  const page = obj(c.page);
  const cartRaw = c.cart;
  let cart: Context["cart"] = null;
  if (cartRaw !== undefined && cartRaw !== null) {
    const cartObj = Array.isArray(cartRaw) ? { items: cartRaw } : obj(cartRaw);
    const items = (Array.isArray(cartObj.items) ? cartObj.items : []).map((item) => {
      const i = obj(item);
      return {
        name: str(i.name, i.title, i.sku) ?? "?",
        qty: num(i.qty, i.quantity) ?? 1,
        price: num(i.price, i.unit_price) ?? undefined,
        sku: str(i.sku) ?? undefined,
      };
    });
    cart = { items, total: num(cartObj.total), currency: str(cartObj.currency) ?? "" };
  }
  const transcriptRaw = Array.isArray(c.transcript) ? c.transcript : [];
  const transcript = transcriptRaw.map((entry) => {
    if (typeof entry === "string") return { from: "", text: entry };
    const e = obj(entry);
    return { from: str(e.from, e.role, e.sender, e.author) ?? "", text: str(e.text, e.message, e.body) ?? "", at: str(e.at, e.time) ?? undefined };
  });
  const intentRaw = c.bot_intent ?? c.intent ?? bot.intent;
  return {
    customerId: str(c.customer_id, customer.id),
    name: str(customer.name, c.customer_name, c.name),
    email: str(customer.email, c.customer_email, c.email),
    tier: str(customer.tier, c.tier, c.customer_tier),
    verified: typeof customer.verified === "boolean" ? customer.verified : null,
    language: str(c.language, customer.language, language),
    pageUrl: str(page.url, c.page_url, c.page, c.url),
    pageTitle: str(page.title, c.page_title, c.title),
    cart,
    intent: str(intentRaw, obj(intentRaw).name),
    confidence: num(c.bot_confidence, c.confidence, bot.confidence, obj(intentRaw).confidence),
    transcript,
    note: str(c.transfer_note, c.note),
    attributes: obj(c.attributes),
  };
}

export function money(value: number, currency: string, lang = "en"): string {
  return formatMoney(value, currency, lang);
}
