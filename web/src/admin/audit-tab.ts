// The audit tab: admin changes and accesses to customer data (recordings listed,
// replayed, downloaded; sessions observed; data exported or erased), filtered by who,
// what and when, and exported as CSV (the server neutralises spreadsheet formulas).
import { api } from "../shared/api";
import type { AgentSession } from "../shared/agent-session";
import { field, h, input, lang, t } from "./ui";

interface AuditEvent { at: string; actor_name: string; action: string; target_type: string; target_id: string; changes: Record<string, unknown> }
interface Agent { id: string; name: string }

// Action families the filter offers (an action matches its family: "recording" finds
// "recording.replayed"); the rest are settings changes.
const ACTIONS = [
  "recording", "cobrowse_recording", "snapshot", "session.observed", "privacy", "retention",
  "audit.exported", "site", "agent", "masking", "turn", "external_bot",
];

function nextDay(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

export async function auditTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const agents = await api<Agent[]>("/api/admin/agents", { token });
  const actor = h("select", {}, h("option", { value: "" }, t("admin.audit.anyone")),
    ...agents.map((a) => h("option", { value: a.id }, a.name)));
  const action = h("select", {}, h("option", { value: "" }, t("admin.audit.anything")),
    ...ACTIONS.map((a) => h("option", { value: a }, t(`admin.audit.action.${a}`))));
  const from = input("", "date");
  const to = input("", "date");
  const results = h("div", { class: "audit-results", "aria-live": "polite" });
  const query = (): URLSearchParams => {
    const q = new URLSearchParams({ limit: "500" });
    if (actor.value) q.set("actor", actor.value);
    if (action.value) q.set("action", action.value);
    if (from.value) q.set("from", from.value);
    if (to.value) q.set("to", nextDay(to.value)); // the whole "to" day
    return q;
  };
  const load = async (): Promise<void> => {
    const events = await api<AuditEvent[]>(`/api/admin/audit?${query()}`, { token });
    if (events.length === 0) {
      results.replaceChildren(h("p", {}, t("admin.audit.empty")));
      return;
    }
    const rows = events.map((e) =>
      h("tr", {}, h("td", {}, new Date(e.at).toLocaleString(lang)), h("td", {}, e.actor_name), h("td", {}, e.action),
        h("td", {}, `${e.target_type} ${e.target_id}`), h("td", {}, h("code", {}, JSON.stringify(e.changes)))));
    results.replaceChildren(
      h("table", { class: "admin-table" },
        h("thead", {}, h("tr", {}, ...["when", "who", "what", "target", "changes"].map((k) => h("th", { scope: "col" }, t(`admin.audit.${k}`))))),
        h("tbody", {}, ...rows)));
  };
  const exportCsv = h("button", { type: "button", class: "button" }, t("admin.audit.csv"));
  exportCsv.onclick = async () => {
    const q = query();
    q.set("limit", "10000");
    const response = await fetch(`/api/admin/audit.csv?${q}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) return;
    const link = h("a", { href: URL.createObjectURL(await response.blob()), download: "coview-audit.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  };
  const filters = h("form", { class: "audit-filters", role: "search", "aria-label": t("admin.audit.filters") },
    field(t("admin.audit.who"), "actor", actor), field(t("admin.audit.what"), "action", action),
    field(t("admin.audit.from"), "from", from), field(t("admin.audit.to"), "to", to),
    h("div", { class: "audit-actions" }, h("button", { type: "submit", class: "button primary" }, t("admin.audit.filter")), exportCsv));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  panel.replaceChildren(filters, results);
  await load();
}
