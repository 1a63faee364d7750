// The call UI (web/src/call) and the co-browse viewer (web/src/cobrowse) are built as
// their own modules; the console imports them when a workspace needs them.
export interface Mounted {
  unmount(): void | Promise<void>;
}

export interface AgentSlotOptions {
  baseUrl: string;
  token: string;
  sessionId: string;
  escalationId: string;
  lang: string;
  role: "agent";
  modalities: string[];
}

async function importModule<T>(name: string): Promise<T | null> {
  try {
    return (await import(/* webpackIgnore: true */ `${location.origin}/static/dist/${name}.js`)) as T;
  } catch {
    return null;
  }
}

export async function mountCall(container: HTMLElement, options: AgentSlotOptions): Promise<Mounted | null> {
  const module = await importModule<{ mountCall?: (c: HTMLElement, o: AgentSlotOptions) => Mounted | Promise<Mounted> }>("call-slot");
  return module?.mountCall ? await module.mountCall(container, options) : null;
}

type ViewerModule = {
  mountCobrowseViewer?: (
    c: HTMLElement,
    o: { token: string; sessionId: string; lang?: string; server?: string; onStatus?: (status: string) => void },
  ) => { destroy(): void };
};

/** The customer's live page (rrweb replay in a sandboxed iframe) with the agent's tools. */
export async function mountViewer(container: HTMLElement, options: AgentSlotOptions): Promise<Mounted | null> {
  const module = await importModule<ViewerModule>("cobrowse-viewer");
  if (!module?.mountCobrowseViewer) return null;
  container.replaceChildren();
  let reported = false;
  const viewer = module.mountCobrowseViewer(container, {
    token: options.token,
    sessionId: options.sessionId,
    lang: options.lang,
    server: options.baseUrl,
    onStatus: (status) => {
      if (status === "live" && !reported) {
        reported = true;
        void reportMediaConnected(options, "cobrowse");
      }
    },
  });
  return { unmount: () => viewer.destroy() };
}

/** The escalation enters in_session when the customer's page first shows. */
async function reportMediaConnected(options: AgentSlotOptions, modality: string): Promise<void> {
  try {
    await fetch(`/api/escalations/${encodeURIComponent(options.escalationId)}/media-connected`, {
      method: "POST",
      headers: { Authorization: `Bearer ${options.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ modality }),
    });
  } catch {
    /* the state catches up on the next report */
  }
}
