// Admin tabs for business hours and holidays, display rules, webhooks and the external
// bot. Each form sends the whole document; the server's field errors land by the field.
import { api } from "../shared/api";
import type { AgentSession } from "../shared/agent-session";
import { field, form, h, input, lang, list, t } from "./ui";

interface Interval { start: string; end: string }
interface Holiday { date: string; name: string; hours: Interval[] }
interface DisplayRule { page: string; show: boolean; tiers: string[] | null; languages: string[] | null; modalities: string[] | null }
interface RulesConfig {
  calendar: { timezone: string; weekly: Record<string, Interval[]>; holidays: Holiday[] };
  rules: DisplayRule[];
  languages: string[];
  modalities: string[];
  require_agents: boolean;
  alternative: string;
  default_handle_time_s: number;
}
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MODALITIES = ["chat", "video", "screen", "cobrowse"];

const intervalsText = (xs: Interval[]) => xs.map((i) => `${i.start}-${i.end}`).join(", ");
function parseIntervals(text: string): Interval[] {
  return list(text, /,/).map((part) => {
    const [start, end] = part.split("-").map((s) => s.trim());
    return { start: start ?? "", end: end ?? "" };
  });
}
// "2026-12-24 Nochebuena 09:00-13:00": date, name, optional special hours.
function parseHoliday(line: string): Holiday {
  const [date, ...rest] = line.trim().split(/\s+/);
  const hours = rest.filter((w) => /^\d{2}:\d{2}-\d{2}:\d{2}$/.test(w));
  const name = rest.filter((w) => !hours.includes(w)).join(" ");
  return { date: date ?? "", name, hours: hours.flatMap(parseIntervals) };
}
const holidayText = (x: Holiday) => [x.date, x.name, x.hours.length ? intervalsText(x.hours).replace(/, /g, " ") : ""].filter(Boolean).join(" ");

async function loadRules(token: string): Promise<RulesConfig> {
  return api<RulesConfig>("/api/admin/rules", { token });
}

async function saveRules(token: string, config: RulesConfig): Promise<void> {
  await api("/api/admin/rules", { method: "PUT", token, body: config });
}

function checkbox(checked: boolean): HTMLInputElement {
  const box = input("", "checkbox");
  box.checked = checked;
  return box;
}

export async function hoursTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const config = await loadRules(token);
  const zone = input(config.calendar.timezone);
  const days = Object.fromEntries(WEEKDAYS.map((d) => [d, input(intervalsText(config.calendar.weekly[d] ?? []))]));
  const holidays = h("textarea", { rows: "5", placeholder: "2026-12-25 Navidad" });
  holidays.value = config.calendar.holidays.map(holidayText).join("\n");
  const fields = [
    field(t("admin.hours.timezone"), "calendar.timezone", zone),
    ...WEEKDAYS.map((d) => field(t(`admin.hours.${d}`), `calendar.weekly.${d}`, days[d])),
    field(t("admin.hours.holidays"), "calendar.holidays", holidays),
  ];
  panel.replaceChildren(
    h("section", { class: "admin-card", "aria-label": t("admin.tab.hours") },
      h("p", { class: "muted" }, t("admin.hours.help")),
      form(fields, async () => {
        const current = await loadRules(token);
        current.calendar = {
          timezone: zone.value.trim(),
          weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, parseIntervals(days[d].value)])),
          holidays: list(holidays.value, /\n/).map(parseHoliday),
        };
        await saveRules(token, current);
      })),
  );
}

export async function rulesTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const config = await loadRules(token);
  const rows = h("div", { class: "rule-rows" });
  type Row = { page: HTMLInputElement; show: HTMLInputElement; tiers: HTMLInputElement; languages: HTMLInputElement; modalities: Record<string, HTMLInputElement> };
  const made: Row[] = [];
  const addRow = (rule: DisplayRule) => {
    const index = made.length;
    const row: Row = {
      page: input(rule.page),
      show: checkbox(rule.show),
      tiers: input(rule.tiers?.join(", ") ?? ""),
      languages: input(rule.languages?.join(", ") ?? ""),
      modalities: Object.fromEntries(MODALITIES.map((m) => [m, checkbox(rule.modalities === null || rule.modalities.includes(m))])),
    };
    made.push(row);
    rows.append(h("fieldset", { class: "rule-row" }, h("legend", {}, `${t("admin.rules.rule")} ${index + 1}`),
      field(t("admin.rules.page"), `rules.${index}.page`, row.page),
      field(t("admin.rules.show"), `rules.${index}.show`, row.show),
      field(t("admin.rules.tiers"), `rules.${index}.tiers`, row.tiers),
      field(t("admin.rules.languages"), `rules.${index}.languages`, row.languages),
      h("div", { class: "form-field" }, h("span", {}, t("admin.rules.modalities")),
        h("div", { class: "checks" }, ...MODALITIES.map((m) => h("label", {}, row.modalities[m], ` ${m}`))),
        h("span", { class: "field-error", "data-error-for": `rules.${index}.modalities`, role: "alert" }))));
  };
  config.rules.forEach(addRow);
  const add = h("button", { type: "button", class: "button" }, t("admin.rules.add"));
  add.onclick = () => addRow({ page: "/*", show: true, tiers: null, languages: null, modalities: null });
  const requireAgents = checkbox(config.require_agents);
  const alternative = h("select");
  for (const value of ["callback", "leave_message", "none"]) alternative.append(h("option", { value }, t(`admin.rules.alternative.${value}`)));
  alternative.value = config.alternative;
  panel.replaceChildren(
    h("section", { class: "admin-card", "aria-label": t("admin.tab.rules") },
      h("p", { class: "muted" }, t("admin.rules.help")),
      form([rows, h("div", {}, add),
        field(t("admin.rules.require_agents"), "require_agents", requireAgents),
        field(t("admin.rules.alternative"), "alternative", alternative)], async () => {
        const current = await loadRules(token);
        const csv = (el: HTMLInputElement) => (el.value.trim() ? list(el.value, /,/) : null);
        current.rules = made.map((r) => {
          const chosen = MODALITIES.filter((m) => r.modalities[m].checked);
          return { page: r.page.value.trim(), show: r.show.checked, tiers: csv(r.tiers), languages: csv(r.languages),
            modalities: chosen.length === MODALITIES.length ? null : chosen };
        }).filter((r) => r.page !== "");
        current.require_agents = requireAgents.checked;
        current.alternative = alternative.value;
        await saveRules(token, current);
      })),
  );
}

interface Webhook { id: string; url: string; event_types: string[]; description: string; secret: string | null }
interface Delivery { id: string; event_type: string; status: string; attempts: { at: string; status_code: number | null; error: string | null }[]; created_at: string }

export async function webhooksTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const { webhooks } = await api<{ webhooks: Webhook[] }>("/api/admin/webhooks", { token });
  panel.replaceChildren();
  for (const hook of webhooks) {
    const log = h("div", { class: "delivery-log" });
    const show = h("button", { type: "button", class: "button" }, t("admin.webhooks.deliveries"));
    show.onclick = async () => {
      const { deliveries } = await api<{ deliveries: Delivery[] }>(`/api/admin/webhooks/${hook.id}/deliveries?limit=50`, { token });
      log.replaceChildren(deliveries.length === 0 ? h("p", { class: "muted" }, t("admin.webhooks.none")) :
        h("table", { class: "admin-table" }, h("tbody", {}, ...deliveries.map((d) => {
          const last = d.attempts[d.attempts.length - 1];
          return h("tr", {}, h("td", {}, new Date(d.created_at).toLocaleString(lang)), h("td", {}, d.event_type),
            h("td", {}, h("span", { class: `state state-${d.status}` }, d.status)),
            h("td", {}, last ? String(last.status_code ?? last.error ?? "") : ""), h("td", {}, String(d.attempts.length)));
        }))));
    };
    const test = h("button", { type: "button", class: "button" }, t("admin.webhooks.test"));
    test.onclick = async () => {
      await api(`/api/admin/webhooks/${hook.id}/test`, { token, body: {} });
      show.click();
    };
    const remove = h("button", { type: "button", class: "button" }, t("admin.webhooks.delete"));
    remove.onclick = async () => {
      await api(`/api/admin/webhooks/${hook.id}`, { method: "DELETE", token });
      await webhooksTab(session, panel);
    };
    panel.append(h("section", { class: "admin-card", "aria-label": hook.url },
      h("h3", {}, hook.url), h("p", { class: "muted" }, `${hook.event_types.join(", ") || "*"} · ${hook.description}`),
      h("p", {}, show, " ", test, " ", remove), log));
  }
  const url = input("", "url");
  const events = input("escalation.*");
  const description = input();
  const secret = h("p", { class: "secret", role: "status" });
  panel.append(h("section", { class: "admin-card" }, h("h3", {}, t("admin.webhooks.new")),
    form([field("URL", "url", url), field(t("admin.webhooks.events"), "event_types", events),
      field(t("admin.webhooks.description"), "description", description)], async () => {
      const created = await api<Webhook>("/api/admin/webhooks", { token, body: {
        url: url.value.trim(), event_types: list(events.value, /,/), description: description.value } });
      await webhooksTab(session, panel);
      panel.append(h("p", { class: "secret", role: "status" }, `${t("admin.webhooks.secret")}: `, h("code", {}, created.secret ?? "")));
    }, t("admin.add")), secret));
}

interface BotConfig { enabled: boolean; url: string; timeout_s: number; name: string; secret: string }

export async function botTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const current = await api<BotConfig>("/api/admin/external-bot", { token }).catch(() => null);
  const enabled = checkbox(current?.enabled ?? false);
  const url = input(current?.url ?? "", "url");
  const timeout = input(String(current?.timeout_s ?? 8), "number");
  const name = input(current?.name ?? "Bot");
  const rotate = checkbox(false);
  const secret = h("code", {}, current?.secret ?? "—");
  panel.replaceChildren(h("section", { class: "admin-card", "aria-label": t("admin.tab.bot") },
    h("p", { class: "muted" }, t("admin.bot.help")),
    h("p", {}, `${t("admin.bot.secret")}: `, secret),
    form([field(t("admin.bot.enabled"), "enabled", enabled), field("URL", "url", url),
      field(t("admin.bot.timeout"), "timeout_s", timeout), field(t("admin.bot.name"), "name", name),
      field(t("admin.bot.rotate"), "rotate_secret", rotate)], async () => {
      const saved = await api<BotConfig>("/api/admin/external-bot", { method: "PUT", token, body: {
        enabled: enabled.checked, url: url.value.trim(), timeout_s: Number(timeout.value), name: name.value.trim(),
        rotate_secret: rotate.checked } });
      secret.textContent = saved.secret;
      rotate.checked = false;
    })));
}

interface Masking { selectors: string[]; patterns: string[] }

/** Masking: CSS selectors the widget masks and patterns the server masks. */
export async function maskingTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const current = await api<Masking>("/api/admin/settings/masking", { token });
  const selectors = h("textarea", { rows: "5", placeholder: ".loyalty-number" });
  selectors.value = current.selectors.join("\n");
  const patterns = h("textarea", { rows: "5", placeholder: "\\b\\d{8}[A-Z]\\b" });
  patterns.value = current.patterns.join("\n");
  panel.replaceChildren(h("section", { class: "admin-card", "aria-label": t("admin.tab.masking") },
    h("p", { class: "muted" }, t("admin.masking.help")),
    form([field(t("admin.masking.selectors"), "selectors", selectors), field(t("admin.masking.patterns"), "patterns", patterns)],
      async () => {
        await api("/api/admin/settings/masking", { method: "PUT", token, body: {
          selectors: list(selectors.value, /\n/), patterns: list(patterns.value, /\n/) } });
      })));
}

interface Turn { stun_urls: string[]; turn_urls: string[]; ttl_s: number; secret_set: boolean }

/** TURN: this organisation's STUN/TURN servers and coturn shared secret. */
export async function turnTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const current = await api<Turn>("/api/admin/settings/turn", { token });
  const stun = h("textarea", { rows: "2", placeholder: "stun:turn.example.com:3478" });
  stun.value = current.stun_urls.join("\n");
  const turn = h("textarea", { rows: "3", placeholder: "turn:turn.example.com:3478?transport=udp" });
  turn.value = current.turn_urls.join("\n");
  const secret = input("", "password");
  secret.placeholder = current.secret_set ? t("admin.turn.secret_kept") : "";
  secret.autocomplete = "new-password";
  const ttl = input(String(current.ttl_s), "number");
  const clear = checkbox(false);
  panel.replaceChildren(h("section", { class: "admin-card", "aria-label": t("admin.tab.turn") },
    h("p", { class: "muted" }, t("admin.turn.help")),
    form([field("STUN", "stun_urls", stun), field("TURN", "turn_urls", turn),
      field(t("admin.turn.secret"), "secret", secret), field(t("admin.turn.ttl"), "ttl_s", ttl),
      field(t("admin.turn.clear"), "clear_secret", clear)], async () => {
      const saved = await api<Turn>("/api/admin/settings/turn", { method: "PUT", token, body: {
        stun_urls: list(stun.value, /\n/), turn_urls: list(turn.value, /\n/),
        secret: secret.value || null, ttl_s: Number(ttl.value), clear_secret: clear.checked } });
      secret.value = "";
      secret.placeholder = saved.secret_set ? t("admin.turn.secret_kept") : "";
      clear.checked = false;
    })));
}
