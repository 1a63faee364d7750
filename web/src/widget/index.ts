// Entry of /widget.js: <script src=".../widget.js" data-site-key="..." [data-lang="es"]>.
// Sets window.coview to the widget's API and replays calls the page queued before load.
import type { CoviewApi } from "./api";
import { Widget } from "./widget";

declare global {
  interface Window {
    coview?: CoviewApi | unknown[];
  }
}

function boot(): void {
  const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>("script[data-site-key]");
  const siteKey = script?.dataset.siteKey;
  if (!script || !siteKey) {
    console.warn("coview: the widget script needs a data-site-key attribute");
    return;
  }
  const baseUrl = new URL(script.src, location.href).origin;
  const queued = Array.isArray(window.coview) ? window.coview : [];
  const start = (): void => {
    const widget = new Widget({ baseUrl, siteKey, lang: script.dataset.lang });
    window.coview = widget;
    for (const entry of queued) widget.push(entry);
    void widget.start();
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
}

boot();
