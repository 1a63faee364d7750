// Demo shop behaviour: a cart in localStorage, a demo-customer switch, and the calls a
// real site makes to the coview widget (identify, setCart) whenever they change.
import { formatMoney } from "./shared/i18n";
import type { CoviewApi, CartInput, Identity } from "./widget/api";

interface CartLine {
  sku: string;
  name: string;
  qty: number;
  price: number;
}

const CART_KEY = "aurora-demo-cart";
const CUSTOMER_KEY = "aurora-demo-customer";
const GUEST: Identity = { tier: "guest" };

/** A demo customer's identity as the shop's server signed it (data-identity on its
 *  option: `{id, name, user_hash}` or `{token}`), as a real shop would print it. */
function identityOf(select: HTMLSelectElement | null, key: string): Identity {
  const option = select ? Array.from(select.options).find((o) => o.value === key) : undefined;
  try {
    const parsed = JSON.parse(option?.dataset.identity ?? "null") as Identity | null;
    return parsed && typeof parsed === "object" ? parsed : GUEST;
  } catch {
    return GUEST;
  }
}

function readCart(): CartLine[] {
  try {
    const lines = JSON.parse(localStorage.getItem(CART_KEY) ?? "[]") as CartLine[];
    return Array.isArray(lines) ? lines : [];
  } catch {
    return [];
  }
}

function writeCart(lines: CartLine[]): void {
  localStorage.setItem(CART_KEY, JSON.stringify(lines));
  render(lines);
}

function cartPayload(lines: CartLine[]): CartInput {
  const total = lines.reduce((sum, l) => sum + l.qty * l.price, 0);
  return { items: lines, total: Math.round(total * 100) / 100, currency: "EUR" };
}

function money(value: number): string {
  return formatMoney(value, "EUR", document.documentElement.lang || "en");
}

/** Calls the widget API now if it has loaded, or queues the call for when it does. */
function widget(call: (api: CoviewApi) => void): void {
  const w = window as unknown as { coview?: CoviewApi | unknown[] };
  if (w.coview && !Array.isArray(w.coview) && "identify" in w.coview) {
    call(w.coview);
  } else {
    const queue = (Array.isArray(w.coview) ? w.coview : []) as unknown[];
    queue.push(call);
    w.coview = queue;
  }
}

function render(lines: CartLine[]): void {
  const count = lines.reduce((sum, l) => sum + l.qty, 0);
  document.querySelectorAll<HTMLElement>("[data-cart-count]").forEach((el) => {
    el.textContent = String(count);
  });
  const list = document.querySelector<HTMLElement>("[data-cart-lines]");
  if (list) {
    list.replaceChildren();
    if (lines.length === 0) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = list.dataset.empty ?? "";
      list.append(empty);
    }
    for (const line of lines) {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = `${line.qty} × ${line.name}`;
      const price = document.createElement("strong");
      price.textContent = money(line.qty * line.price);
      li.append(name, price);
      list.append(li);
    }
  }
  const total = document.querySelector<HTMLElement>("[data-cart-total]");
  if (total) total.textContent = money(cartPayload(lines).total ?? 0);
  widget((api) => api.setCart(cartPayload(lines)));
}

function addToCart(button: HTMLButtonElement): void {
  const lines = readCart();
  const qtyInput = document.querySelector<HTMLInputElement>("[data-qty]");
  const qty = Math.max(1, Math.min(5, Number(qtyInput?.value ?? 1) || 1));
  const add = (sku: string, name: string, price: number, n: number): void => {
    const found = lines.find((l) => l.sku === sku);
    if (found) found.qty += n;
    else lines.push({ sku, name, qty: n, price });
  };
  add(button.dataset.sku ?? "", button.dataset.name ?? "", Number(button.dataset.price), qty);
  const addon = document.querySelector<HTMLInputElement>("[data-addon]");
  if (addon?.checked) {
    add(addon.dataset.addon ?? "", addon.dataset.addonName ?? "", Number(addon.dataset.addonPrice), 1);
  }
  writeCart(lines);
  button.closest("section, article")?.querySelector<HTMLElement>("[data-added]")?.removeAttribute("hidden");
}

function setupCustomer(): void {
  const select = document.querySelector<HTMLSelectElement>("[data-demo-customer]");
  const chosen = localStorage.getItem(CUSTOMER_KEY) ?? "guest";
  const apply = (key: string): void => {
    const identity = identityOf(select, key);
    widget((api) => api.identify(identity));
    const name = select?.selectedOptions[0]?.textContent?.split(" · ")[0] ?? "";
    const nameField = document.querySelector<HTMLInputElement>("[data-customer-name]");
    if (nameField && key !== "guest" && name && !nameField.value) nameField.value = name;
  };
  if (select) {
    select.value = Array.from(select.options).some((o) => o.value === chosen) ? chosen : "guest";
    select.addEventListener("change", () => {
      localStorage.setItem(CUSTOMER_KEY, select.value);
      apply(select.value);
    });
  }
  apply(select?.value ?? chosen);
}

function setupCheckout(): void {
  const form = document.querySelector<HTMLFormElement>("[data-checkout-form]");
  if (!form) return;
  const couponMsg = form.querySelector<HTMLElement>("[data-coupon-msg]");
  form.querySelector("[data-apply-coupon]")?.addEventListener("click", () => {
    const code = (form.elements.namedItem("coupon") as HTMLInputElement).value.trim().toUpperCase();
    if (couponMsg) couponMsg.textContent = (code === "AURORA10" ? couponMsg.dataset.ok : couponMsg.dataset.bad) ?? "";
  });
  // The funnel's first step, and the purchase: what a shop reports to coview.track so
  // the figures can tell what visual help earned (docs/protocol.md: Assisted conversion).
  widget((api) => void api.track("checkout_step", { step: "checkout" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const cart = cartPayload(readCart());
    const msg = form.querySelector<HTMLElement>("[data-pay-msg]");
    if (!cart.items.length) return;
    const order = { order_id: `AUR-${Date.now().toString(36).toUpperCase()}`, total: cart.total, currency: cart.currency };
    widget((api) => {
      void api.track("purchase", order).then(() => {
        form.dataset.paid = order.order_id; // the order was reported (tests wait for it)
      });
    });
    writeCart([]);
    if (msg) msg.textContent = msg.dataset.ok ?? "";
  });
}

document.querySelectorAll<HTMLButtonElement>("[data-add-to-cart]").forEach((button) => {
  button.addEventListener("click", () => addToCart(button));
});
setupCustomer();
setupCheckout();
render(readCart());
