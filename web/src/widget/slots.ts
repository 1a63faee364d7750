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
}

type CallModule = { mountCall(container: HTMLElement, options: SlotOptions): Mounted | Promise<Mounted> };
type CaptureModule = { startCapture(options: SlotOptions): Mounted | Promise<Mounted> };

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

export async function startCobrowse(options: SlotOptions): Promise<Mounted | null> {
  const module = await importModule<CaptureModule>(options.baseUrl, "cobrowse-capture");
  return module?.startCapture ? await module.startCapture(options) : null;
}
