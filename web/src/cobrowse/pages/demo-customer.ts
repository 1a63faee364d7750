// /cobrowse/demo-customer: a test page for co-browsing (masked and unmasked fields, a
// same-origin frame, shadow DOM, a canvas). Its data come from data-* attributes, so
// the page needs no inline script under the Content-Security-Policy.
import { startCobrowse } from "../customer";

customElements.define(
  "coview-demo-shadow",
  class extends HTMLElement {
    connectedCallback(): void {
      if (this.shadowRoot) return;
      const text = document.createElement("p");
      text.id = "shadow-text";
      text.textContent = "Inside the shadow root";
      this.attachShadow({ mode: "open" }).append(text);
    }
  },
);

const canvas = document.getElementById("canvas") as HTMLCanvasElement | null;
const ctx = canvas?.getContext("2d");
if (ctx) {
  ctx.fillStyle = "rgb(200, 30, 30)";
  ctx.fillRect(0, 0, 120, 60);
}

document.querySelector("form.cb-form")?.addEventListener("submit", (event) => event.preventDefault());

let added = 0;
const cart = document.getElementById("cart");
document.getElementById("add")?.addEventListener("click", () => {
  added += 1;
  if (cart) cart.textContent = `${cart.dataset.added ?? ""} (${added})`;
});

const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem("coview.cobrowse.token", fromHash);
  history.replaceState(null, "", location.pathname + location.search);
}
const token = sessionStorage.getItem("coview.cobrowse.token");
if (token) {
  (window as unknown as { coviewCobrowse: unknown }).coviewCobrowse = await startCobrowse({
    token,
    lang: document.documentElement.lang,
    recordingConsent: new URLSearchParams(location.search).get("record") === "1" || undefined,
    onStatus: (status) => {
      document.body.dataset.cobrowse = status;
    },
  });
}
