// The customer's escalation survives page navigations on the same site: its id and
// session token live in sessionStorage (this tab, this origin), keyed by site key.
export interface Saved {
  escalationId: string; // empty while a chat is still with the bot
  sessionId: string;
  token: string;
  modalities: string[];
  view: "chat" | "waiting" | "session" | "ended";
  conversationId?: string; // set when the help started as a chat
}

const PREFIX = "coview:";
const LAYOUT_PREFIX = "coview-layout:";

/** Where the customer put the panel (a corner of the window) and whether it is the
 * compact bar; kept for this tab's session, per site key. */
export type Corner = "br" | "bl" | "tr" | "tl";
export interface Layout {
  corner: Corner;
  compact: boolean;
}
const CORNERS: readonly Corner[] = ["br", "bl", "tr", "tl"];

export function loadLayout(siteKey: string): Layout {
  try {
    const raw = JSON.parse(sessionStorage.getItem(LAYOUT_PREFIX + siteKey) ?? "{}") as Partial<Layout>;
    return { corner: CORNERS.includes(raw.corner as Corner) ? (raw.corner as Corner) : "br", compact: raw.compact === true };
  } catch {
    return { corner: "br", compact: false };
  }
}

export function saveLayout(siteKey: string, layout: Layout): void {
  try {
    sessionStorage.setItem(LAYOUT_PREFIX + siteKey, JSON.stringify(layout));
  } catch {
    /* storage disabled: the layout holds for this page */
  }
}

export function load(siteKey: string): Saved | null {
  try {
    const raw = sessionStorage.getItem(PREFIX + siteKey);
    return raw ? (JSON.parse(raw) as Saved) : null;
  } catch {
    return null;
  }
}

export function save(siteKey: string, saved: Saved): void {
  try {
    sessionStorage.setItem(PREFIX + siteKey, JSON.stringify(saved));
  } catch {
    /* storage disabled: the widget still works for this page */
  }
}

export function clear(siteKey: string): void {
  try {
    sessionStorage.removeItem(PREFIX + siteKey);
  } catch {
    /* nothing to clear */
  }
}

/**
 * Whether the page is being left for another page of the same site. Link clicks and
 * form submits tell us before pagehide; the Navigation API (where present) tells us the
 * destination of any navigation. Anything else (closing the tab, another site) is a
 * real exit.
 */
export function trackInSiteNavigation(): () => boolean {
  let inSite = false;
  const sameOrigin = (url: string): boolean => {
    try {
      return new URL(url, location.href).origin === location.origin;
    } catch {
      return false;
    }
  };
  document.addEventListener(
    "click",
    (event) => {
      const anchor = (event.composedPath().find((n) => n instanceof HTMLAnchorElement) ?? null) as HTMLAnchorElement | null;
      if (anchor?.href && !anchor.target && sameOrigin(anchor.href)) inSite = true;
    },
    true,
  );
  document.addEventListener("submit", (event) => {
    const form = event.target as HTMLFormElement;
    if (!event.defaultPrevented && sameOrigin(form.action || location.href)) inSite = true;
  });
  const nav = (window as unknown as { navigation?: EventTarget }).navigation;
  nav?.addEventListener("navigate", (event) => {
    const destination = (event as unknown as { destination?: { url: string } }).destination;
    inSite = !!destination && sameOrigin(destination.url);
  });
  return () => inSite;
}
