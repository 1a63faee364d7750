// Chat strings, bundled from web/translations/chat.<lang>.json (one source of truth).
import en from "../../translations/chat.en.json";
import es from "../../translations/chat.es.json";
import pt from "../../translations/chat.pt.json";

export type Lang = "es" | "en" | "pt";
const catalogs: Record<Lang, Record<string, string>> = { en, es, pt };

export function translator(lang: Lang) {
  const catalog = catalogs[lang] ?? catalogs.en;
  return (key: string, vars: Record<string, string> = {}): string => {
    const text = catalog[key] ?? catalogs.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? "");
  };
}
