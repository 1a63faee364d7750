// The call UI's strings (web/translations/call.<lang>.json), bundled so the module
// needs no extra request when embedded in the widget or the console.
import en from "../../translations/call.en.json";
import es from "../../translations/call.es.json";
import pt from "../../translations/call.pt.json";

const CATALOGS: Record<string, Record<string, string>> = { en, es, pt };

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** The language the call UI really shows for ``lang`` (English when it has no catalog). */
export function shownLang(lang: string): string {
  return lang in CATALOGS ? lang : "en";
}

export function translator(lang: string): Translate {
  const catalog = CATALOGS[lang] ?? en;
  return (key, vars) => {
    let text = catalog[key] ?? (en as Record<string, string>)[key] ?? key;
    for (const [name, value] of Object.entries(vars ?? {})) {
      text = text.replace(`{${name}}`, String(value));
    }
    return text;
  };
}
