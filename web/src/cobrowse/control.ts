// Remote control acts like a person: the agent's input is dispatched as real DOM events
// (pointer/mouse, keyboard, input/change) so the page's own scripts react.

export type InputFrame = {
  kind: "click" | "type" | "scroll" | "navigate";
  node_id?: number; x?: number; y?: number; text?: string; url?: string;
};

/** Whether the agent may type into this element: only fields the page left unmasked. */
export function isTypeable(el: Element | null, maskSelector: string): el is HTMLInputElement | HTMLTextAreaElement {
  if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return false;
  if (el instanceof HTMLInputElement && el.type === "password") return false;
  if (maskSelector && el.matches(maskSelector)) return false;
  return el.closest("[data-coview-unmask]") !== null;
}

function mouse(el: Element, type: string, x: number, y: number): void {
  const init = { bubbles: true, cancelable: true, composed: true, clientX: x, clientY: y, button: 0, view: window };
  const event = type.startsWith("pointer")
    ? new PointerEvent(type, { ...init, pointerId: 1, pointerType: "mouse", isPrimary: true })
    : new MouseEvent(type, init);
  el.dispatchEvent(event);
}

export function click(el: Element, x?: number, y?: number): void {
  const rect = el.getBoundingClientRect();
  const cx = x ?? rect.left + rect.width / 2;
  const cy = y ?? rect.top + rect.height / 2;
  for (const type of ["pointerover", "pointerdown", "mousedown"]) mouse(el, type, cx, cy);
  if (el instanceof HTMLElement) el.focus({ preventScroll: true });
  for (const type of ["pointerup", "mouseup", "click"]) mouse(el, type, cx, cy);
}

const valueSetter = (el: HTMLInputElement | HTMLTextAreaElement) =>
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), "value")!.set!;

/** Types text character by character; "\b" deletes the last character. */
export function type(el: HTMLInputElement | HTMLTextAreaElement, text: string): void {
  el.focus({ preventScroll: true });
  for (const char of text) {
    const key = char === "\b" ? "Backspace" : char === "\n" ? "Enter" : char;
    const keyInit = { key, bubbles: true, cancelable: true, composed: true };
    if (!el.dispatchEvent(new KeyboardEvent("keydown", keyInit))) continue;
    if (key === "Enter") {
      el.form?.requestSubmit();
    } else {
      const next = key === "Backspace" ? el.value.slice(0, -1) : el.value + char;
      valueSetter(el).call(el, next);
      el.dispatchEvent(new InputEvent("input", {
        bubbles: true, composed: true,
        inputType: key === "Backspace" ? "deleteContentBackward" : "insertText",
        data: key === "Backspace" ? null : char,
      }));
    }
    el.dispatchEvent(new KeyboardEvent("keyup", keyInit));
  }
  el.dispatchEvent(new Event("change", { bubbles: true }));
}

export function navigate(url: string): boolean {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) return false; // never leave the site
  location.assign(target.href);
  return true;
}
