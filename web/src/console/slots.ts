// The call UI (web/src/call) and the co-browse viewer (web/src/cobrowse) are built as
// their own modules; the console imports them when a workspace needs them.
export interface Mounted {
  unmount(): void | Promise<void>;
  /** A call: leave it to the others instead of ending it (after a transfer). */
  leave?(): void;
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

export interface ChatSlot extends Mounted {
  offer(modality: string): Promise<boolean>;
  onUnread?: (count: number) => void;
  markRead(): void;
}

type ChatModule = {
  mountChat?: (
    c: HTMLElement,
    o: { token: string; conversationId: string; lang: string; role: "agent"; baseUrl: string },
  ) => {
    client: { emit(event: string, payload: Record<string, unknown>): Promise<{ ok: boolean; error?: { message: string } }> };
    onUnread?: (count: number) => void;
    markRead(): void;
    close(): void;
  };
};

/** The conversation the escalation came from: the agent replies in text, and offers
 * video, screen share or co-browse in it (the customer consents in the chat). */
export async function mountChatSlot(
  container: HTMLElement,
  options: AgentSlotOptions & { conversationId: string },
): Promise<ChatSlot | null> {
  const module = await importModule<ChatModule>("chat-slot");
  if (!module?.mountChat) return null;
  container.replaceChildren();
  const chat = module.mountChat(container, {
    token: options.token,
    conversationId: options.conversationId,
    lang: options.lang,
    role: "agent",
    baseUrl: options.baseUrl,
  });
  const slot: ChatSlot = {
    unmount: () => chat.close(),
    markRead: () => chat.markRead(),
    async offer(modality: string) {
      const ack = await chat.client.emit("offer-upgrade", { modality });
      if (!ack.ok) throw new Error(ack.error?.message ?? "offer failed");
      return true;
    },
  };
  chat.onUnread = (n) => slot.onUnread?.(n);
  return slot;
}
