// The call UI (web/src/call) as a slot for the widget and the console: brings its own
// stylesheet (the widget renders inside a shadow root, where page CSS does not reach)
// and maps the slot options onto the call's.
import css from "../../static/css/call.css";
import { mountCall as mount, type CallController } from "../call";

export interface SlotOptions {
  baseUrl: string;
  token: string;
  sessionId: string;
  lang: string;
  role: string;
  onEnd?: (reason: string) => void;
}

export interface CallSlot {
  controller: CallController;
  unmount(): void;
}

export function mountCall(container: HTMLElement, options: SlotOptions): CallSlot {
  container.replaceChildren();
  const style = document.createElement("style");
  style.textContent = css;
  container.append(style);
  const controller = mount(container, {
    token: options.token,
    sessionId: options.sessionId,
    lang: options.lang,
    role: options.role,
    serverUrl: options.baseUrl,
    onEnd: options.onEnd,
  });
  return {
    controller,
    unmount: () => controller.end("ended"),
  };
}
