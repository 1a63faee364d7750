// The widget's public JavaScript API (window.coview) and the shapes site owners pass.
export interface Identity {
  id?: string;
  name?: string;
  email?: string;
  tier?: string;
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
  push(entry: unknown): void;
}
