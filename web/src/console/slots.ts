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

export async function mountViewer(container: HTMLElement, options: AgentSlotOptions): Promise<Mounted | null> {
  const module = await importModule<{ mountViewer?: (c: HTMLElement, o: AgentSlotOptions) => Mounted | Promise<Mounted> }>("cobrowse-viewer");
  return module?.mountViewer ? await module.mountViewer(container, options) : null;
}
