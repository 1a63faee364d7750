// Customer- and agent-facing text of the co-browse modules, from the same translation
// files the server renders pages with (web/translations/cobrowse.<lang>.json).
import en from "../../translations/cobrowse.en.json";
import es from "../../translations/cobrowse.es.json";
import pt from "../../translations/cobrowse.pt.json";

const catalogs: Record<string, Record<string, string>> = { en, es, pt };

export type Translate = (key: string, vars?: Record<string, string>) => string;

/** The language the co-browse UI shows for ``lang`` (the page's, else English). */
export function shownLang(lang: string | undefined): string {
  const code = (lang || document.documentElement.lang || "en").slice(0, 2);
  return code in catalogs ? code : "en";
}

export function translator(lang: string | undefined): Translate {
  const catalog = catalogs[shownLang(lang)];
  return (key, vars = {}) => {
    let text = catalog[key] || (en as Record<string, string>)[key] || key;
    for (const [name, value] of Object.entries(vars)) text = text.replace(`{${name}}`, value);
    return text;
  };
}
