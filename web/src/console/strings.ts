import en from "../../translations/console.en.json";
import es from "../../translations/console.es.json";
import pt from "../../translations/console.pt.json";
import { pickLang, translator, type Lang } from "../shared/i18n";

const CATALOGS = { en, es, pt } as Record<Lang, Record<string, string>>;
export const lang: Lang = pickLang(document.documentElement.lang);
export const t = translator(CATALOGS, lang);

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}
