// Admin tab for proactive invitations: one form per rule (created with POST, changed
// with PUT, removed with DELETE; the server validates and audits each), and the
// tenant's attribution window for assisted purchases.
import { api } from "../shared/api";
import type { AgentSession } from "../shared/agent-session";
import { field, form, h, input, list, t } from "./ui";

interface ProactiveRule {
  id: string; name: string; enabled: boolean; action: "invite" | "watch"; page: string;
  min_time_on_page_s: number; min_funnel_time_s: number; min_visits: number;
  min_cart_total: number | null; min_cart_items: number | null;
  tiers: string[] | null; languages: string[] | null; signal: string | null; skill: string | null;
  max_wait_s: number; modalities: string[]; text: Record<string, string>; cap_minutes: number; once_per_session: boolean;
}
const MODALITIES = ["chat", "video", "cobrowse"];
const LANGS = ["es", "en", "pt"];
const BLANK: ProactiveRule = {
  id: "", name: "", enabled: true, action: "invite", page: "/*", min_time_on_page_s: 30, min_funnel_time_s: 0, min_visits: 0,
  min_cart_total: null, min_cart_items: null, tiers: null, languages: null, signal: null, skill: null,
  max_wait_s: 120, modalities: ["video"], text: {}, cap_minutes: 60, once_per_session: true,
};

function box(checked: boolean): HTMLInputElement {
  const node = input("", "checkbox");
  node.checked = checked;
  return node;
}

function ruleForm(session: AgentSession, panel: HTMLElement, rule: ProactiveRule, isNew: boolean): HTMLElement {
  const token = session.access_token;
  const text = (v: string | number | null) => input(v === null ? "" : String(v));
  const number = (v: number | null) => input(v === null ? "" : String(v), "number");
  const f = {
    id: text(rule.id), name: text(rule.name), enabled: box(rule.enabled), page: text(rule.page),
    min_time_on_page_s: number(rule.min_time_on_page_s), min_funnel_time_s: number(rule.min_funnel_time_s), min_visits: number(rule.min_visits),
    min_cart_total: number(rule.min_cart_total), min_cart_items: number(rule.min_cart_items),
    tiers: text(rule.tiers?.join(", ") ?? ""), languages: text(rule.languages?.join(", ") ?? ""),
    signal: text(rule.signal), skill: text(rule.skill), max_wait_s: number(rule.max_wait_s),
    cap_minutes: number(rule.cap_minutes), once_per_session: box(rule.once_per_session),
  };
  f.id.readOnly = !isNew;
  const action = h("select");
  for (const value of ["invite", "watch"]) action.append(h("option", { value }, t(`admin.proactive.action.${value}`)));
  action.value = rule.action;
  const mods = Object.fromEntries(MODALITIES.map((m) => [m, box(rule.modalities.includes(m))]));
  const texts = Object.fromEntries(LANGS.map((l) => [l, h("textarea", { rows: "2", maxlength: "300" })]));
  for (const l of LANGS) texts[l].value = rule.text[l] ?? "";
  const label = (key: string) => t(`admin.proactive.${key}`);
  const children: HTMLElement[] = [
    field(label("id"), "id", f.id), field(label("name"), "name", f.name), field(label("enabled"), "enabled", f.enabled),
    field(label("action"), "action", action), field(label("page"), "page", f.page),
    field(label("min_time_on_page_s"), "min_time_on_page_s", f.min_time_on_page_s),
    field(label("min_funnel_time_s"), "min_funnel_time_s", f.min_funnel_time_s), field(label("min_visits"), "min_visits", f.min_visits),
    field(label("min_cart_total"), "min_cart_total", f.min_cart_total), field(label("min_cart_items"), "min_cart_items", f.min_cart_items),
    field(label("tiers"), "tiers", f.tiers), field(label("languages"), "languages", f.languages),
    field(label("signal"), "signal", f.signal), field(label("skill"), "skill", f.skill), field(label("max_wait_s"), "max_wait_s", f.max_wait_s),
    h("div", { class: "form-field" }, h("span", {}, label("modalities")),
      h("div", { class: "checks" }, ...MODALITIES.map((m) => h("label", {}, mods[m], ` ${m}`))),
      h("span", { class: "field-error", "data-error-for": "modalities", role: "alert" })),
    ...LANGS.map((l) => field(`${label("text")} (${l})`, `text.${l}`, texts[l])),
    h("span", { class: "field-error", "data-error-for": "text", role: "alert" }),
    field(label("cap_minutes"), "cap_minutes", f.cap_minutes), field(label("once_per_session"), "once_per_session", f.once_per_session),
  ];
  const num = (el: HTMLInputElement) => (el.value.trim() === "" ? null : Number(el.value));
  const csv = (el: HTMLInputElement) => (el.value.trim() ? list(el.value, /,/) : null);
  const save = async () => {
    const body: ProactiveRule = {
      id: f.id.value.trim(), name: f.name.value.trim(), enabled: f.enabled.checked, action: action.value as ProactiveRule["action"],
      page: f.page.value.trim(), min_time_on_page_s: num(f.min_time_on_page_s) ?? 0, min_funnel_time_s: num(f.min_funnel_time_s) ?? 0,
      min_visits: num(f.min_visits) ?? 0, min_cart_total: num(f.min_cart_total), min_cart_items: num(f.min_cart_items),
      tiers: csv(f.tiers), languages: csv(f.languages), signal: f.signal.value.trim() || null, skill: f.skill.value.trim() || null,
      max_wait_s: num(f.max_wait_s) ?? 0, modalities: MODALITIES.filter((m) => mods[m].checked),
      text: Object.fromEntries(LANGS.filter((l) => texts[l].value.trim()).map((l) => [l, texts[l].value.trim()])),
      cap_minutes: num(f.cap_minutes) ?? 0, once_per_session: f.once_per_session.checked,
    };
    const path = isNew ? "/api/admin/proactive-rules" : `/api/admin/proactive-rules/${encodeURIComponent(rule.id)}`;
    await api(path, { method: isNew ? "POST" : "PUT", token, body });
    if (isNew) await proactiveTab(session, panel);
  };
  const node = form(children, save);
  if (!isNew) {
    const remove = h("button", { type: "button", class: "button" }, t("admin.proactive.delete"));
    remove.onclick = async () => {
      await api(`/api/admin/proactive-rules/${encodeURIComponent(rule.id)}`, { method: "DELETE", token });
      await proactiveTab(session, panel);
    };
    node.querySelector(".form-actions")?.append(remove);
  }
  return h("section", { class: "admin-card", "aria-label": isNew ? t("admin.proactive.new") : rule.name, "data-rule": rule.id || "new" },
    h("h2", {}, isNew ? t("admin.proactive.new") : rule.name), node);
}

export async function proactiveTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const { rules } = await api<{ rules: ProactiveRule[] }>("/api/admin/proactive-rules", { token });
  const config = await api<{ attribution_window_h: number }>("/api/admin/rules", { token });
  const windowInput = input(String(config.attribution_window_h), "number");
  const attribution = form([field(t("admin.proactive.window"), "attribution_window_h", windowInput)], async () => {
    const current = await api<Record<string, unknown>>("/api/admin/rules", { token });
    await api("/api/admin/rules", { method: "PUT", token, body: { ...current, attribution_window_h: Number(windowInput.value) } });
  });
  panel.replaceChildren(
    h("p", { class: "muted" }, t("admin.proactive.help")),
    h("section", { class: "admin-card", "aria-label": t("admin.proactive.window") }, attribution),
    ...rules.map((r) => ruleForm(session, panel, r, false)),
    ruleForm(session, panel, { ...BLANK }, true),
  );
}
