// The widget's public JavaScript API (window.coview) and the shapes site owners pass.
export interface Identity {
  id?: string;
  name?: string;
  email?: string;
  tier?: string;
  /** Hex HMAC-SHA256 of `id` with the site's identity secret (signed by the site's backend). */
  user_hash?: string;
  /** Or a JWT (HS256, same secret) carrying id, name, email, tier and exp. */
  token?: string;
  [extra: string]: unknown;
}

export interface CartItem {
  sku?: string;
  name: string;
  qty?: number;
  quantity?: number;
  price?: number;
}

export interface CartInput {
  items: CartItem[];
  total?: number;
  currency?: string;
}

export interface CoviewApi {
  identify(identity: Identity): void;
  setCart(cart: CartInput): void;
  setLanguage(lang: string): void;
  open(): void;
  /** An integrator's signal a proactive rule may wait for, e.g. "payment_failed". */
  signal(name: string): void;
  /** "purchase" {order_id, total, currency} (idempotent per order id) or "checkout_step" {step}. */
  track(event: "purchase" | "checkout_step", data: Record<string, unknown>): Promise<unknown>;
  push(entry: unknown): void;
}
