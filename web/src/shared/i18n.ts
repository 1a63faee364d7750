// Client-side strings: one catalog per language, "{name}" placeholders.
export type Lang = "es" | "en" | "pt";
export type Catalog = Record<string, string>;

export const LANGS: readonly Lang[] = ["es", "en", "pt"];

export function pickLang(...candidates: (string | null | undefined)[]): Lang {
  for (const candidate of candidates) {
    const tag = (candidate ?? "").toLowerCase().split("-")[0];
    if ((LANGS as readonly string[]).includes(tag)) return tag as Lang;
  }
  return "en";
}

export function translator(catalogs: Record<Lang, Catalog>, lang: Lang) {
  return (key: string, params: Record<string, string | number> = {}): string => {
    const text = catalogs[lang][key] ?? catalogs.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };
}

export function formatWait(seconds: number, t: (k: string, p?: Record<string, string | number>) => string): string {
  if (seconds < 60) return t("widget.less_minute");
  return t("widget.minutes", { n: Math.round(seconds / 60) });
}

/** "649.00 €" / "649,00 €": the locale's digits, the symbol after, as shops here show it. */
export function formatMoney(value: number, currency: string, lang: string): string {
  const digits = value.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const symbol = currency === "EUR" ? "€" : currency === "USD" ? "$" : currency === "BRL" ? "R$" : currency;
  return symbol ? `${digits} ${symbol}` : digits;
}
