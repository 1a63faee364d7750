// Small DOM helpers shared by the admin tabs: elements, labelled fields, and forms that
// put the server's field errors (RFC 7807 "errors") next to the fields they name.
import en from "../../translations/admin.en.json";
import es from "../../translations/admin.es.json";
import pt from "../../translations/admin.pt.json";
import { ApiError } from "../shared/api";

type Lang = "es" | "en" | "pt";
const catalogs: Record<Lang, Record<string, string>> = { en, es, pt };
export const lang = ((document.documentElement.lang as Lang) in catalogs ? document.documentElement.lang : "en") as Lang;
export const t = (key: string, vars: Record<string, string> = {}) =>
  (catalogs[lang][key] ?? catalogs.en[key] ?? key).replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

let uid = 0;
export function field(label: string, name: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): HTMLElement {
  const id = `f${++uid}`;
  input.id = id;
  input.name = name;
  const error = h("span", { class: "field-error", "data-error-for": name, id: `${id}-err`, role: "alert" });
  input.setAttribute("aria-describedby", error.id);
  return h("div", { class: "form-field" }, h("label", { for: id }, label), input, error);
}

export function input(value = "", type = "text"): HTMLInputElement {
  const node = h("input", { type });
  node.value = value;
  return node;
}

export function showErrors(form: HTMLElement, exc: unknown): void {
  form.querySelectorAll<HTMLElement>("[data-error-for]").forEach((el) => (el.textContent = ""));
  const status = form.querySelector<HTMLElement>(".form-status")!;
  if (!(exc instanceof ApiError)) {
    status.textContent = t("admin.error.generic", { detail: String(exc) });
    return;
  }
  let unplaced = exc.errors.length === 0;
  const slots = [...form.querySelectorAll<HTMLElement>("[data-error-for]")];
  for (const error of exc.errors) {
    // The field with the longest name that prefixes the error's path ("rules.0.page").
    const slot = slots
      .filter((s) => { const n = s.dataset.errorFor ?? ""; return error.field === n || error.field.startsWith(`${n}.`); })
      .sort((a, b) => (b.dataset.errorFor ?? "").length - (a.dataset.errorFor ?? "").length)[0];
    if (slot) slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
    else unplaced = true;
  }
  status.textContent = unplaced ? t("admin.error.generic", { detail: exc.detail }) : "";
}

export function list(value: string, sep: RegExp): string[] {
  return value.split(sep).map((s) => s.trim()).filter(Boolean);
}

export function form(children: HTMLElement[], onSave: () => Promise<void>, label = t("admin.save")): HTMLFormElement {
  const status = h("p", { class: "form-status", role: "status" });
  const node = h("form", { class: "admin-form", novalidate: "" }, ...children, h("div", { class: "form-actions" }, h("button", { class: "button primary", type: "submit" }, label), status));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await onSave();
      showErrors(node, new ApiError(0, "", [{ field: "__none__", message: "" }]));
      status.textContent = t("admin.saved");
    } catch (exc) {
      showErrors(node, exc);
    }
  });
  return node;
}

