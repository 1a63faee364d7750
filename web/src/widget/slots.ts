// The call and co-browse panels are other modules (web/src/call, web/src/cobrowse),
// built as their own ES modules and imported only when a session needs them, so the
// widget stays small and rrweb is fetched only when co-browsing starts.

export interface Mounted {
  unmount(): void | Promise<void>;
}

export type ConsentKind = "camera" | "screen" | "cobrowse" | "recording" | "control";
export type Consent = (kind: ConsentKind, info?: { name?: string }) => Promise<boolean>;

export interface SlotOptions {
  baseUrl: string;
  token: string;
  sessionId: string;
  escalationId: string;
  lang: string;
  role: "customer";
  modalities: string[];
  consent: Consent;
  onControl?: (active: boolean) => void;
  onEnd?: (reason: string) => void;
  /** The agent highlighted or guided to this box of the page (viewport coordinates). */
  onAttention?: (rect: DOMRectReadOnly) => void;
}

type CallModule = { mountCall(container: HTMLElement, options: SlotOptions): Mounted | Promise<Mounted> };
type CobrowseStatus =
  | "sharing" | "paused" | "unsupported" | "control" | "control-ended" | "error" | "stopped";
type CaptureHandle = { stop(): void; revokeControl(): void };
type CaptureModule = {
  startCobrowse(options: {
    token: string; lang?: string; server?: string;
    onStatus?: (status: CobrowseStatus) => void; onAttention?: (rect: DOMRectReadOnly) => void;
  }): Promise<CaptureHandle>;
};

async function importModule<T>(baseUrl: string, name: string): Promise<T | null> {
  try {
    return (await import(/* webpackIgnore: true */ `${baseUrl}/static/dist/${name}.js`)) as T;
  } catch (error) {
    console.warn(`coview: ${name} is not available`, error);
    return null;
  }
}

export async function mountCallSlot(container: HTMLElement, options: SlotOptions): Promise<Mounted | null> {
  const module = await importModule<CallModule>(options.baseUrl, "call-slot");
  return module?.mountCall ? await module.mountCall(container, options) : null;
}

/** Starts sharing this page (rrweb is fetched now, not before); control prompts are the
 * co-browse module's own, and the widget hears when control starts and ends. */
export async function startCobrowse(options: SlotOptions): Promise<(Mounted & { revokeControl(): void }) | null> {
  const module = await importModule<CaptureModule>(options.baseUrl, "cobrowse-customer");
  if (!module?.startCobrowse) return null;
  const handle = await module.startCobrowse({
    token: options.token,
    lang: options.lang,
    server: options.baseUrl,
    onStatus: (status) => {
      if (status === "control") options.onControl?.(true);
      if (status === "control-ended" || status === "stopped") options.onControl?.(false);
    },
    onAttention: options.onAttention,
  });
  return { unmount: () => handle.stop(), revokeControl: () => handle.revokeControl() };
}

type ChatModule = {
  mountChat(
    container: HTMLElement,
    options: {
      token: string;
      conversationId: string;
      lang: string;
      role: "customer";
      baseUrl: string;
      onUpgrade?: (modality: string) => void;
      onConsent?: (modality: string, accepted: boolean, text: string) => void;
      onConversation?: (conversation: { id: string; state: string; escalation_id?: string | null; agent_name?: string | null }) => void;
    },
  ): { close(): void };
};

export interface ChatSlotOptions {
  baseUrl: string;
  token: string;
  conversationId: string;
  lang: string;
  onUpgrade: (modality: string) => void;
  onConsent: (modality: string, accepted: boolean, text: string) => void;
  onConversation: (conversation: { state: string; escalation_id?: string | null; agent_name?: string | null }) => void;
}

/** The conversation with the bot and then the agent; it stays beside the call. */
export async function mountChatSlot(container: HTMLElement, options: ChatSlotOptions): Promise<Mounted | null> {
  const module = await importModule<ChatModule>(options.baseUrl, "chat-slot");
  if (!module?.mountChat) return null;
  container.replaceChildren();
  const chat = module.mountChat(container, { ...options, role: "customer" });
  return { unmount: () => chat.close() };
}
