// The retention tab: how many days each kind of customer data is kept (validated and
// audited by the server), the last purge's report, and a purge now.
import { api, ApiError } from "../shared/api";
import type { AgentSession } from "../shared/agent-session";
import { field, form, h, input, lang, t } from "./ui";

const PERIODS = [
  "call_recordings_days", "cobrowse_recordings_days", "transcripts_days",
  "consents_days", "audit_days", "webhook_deliveries_days",
] as const;
type Period = (typeof PERIODS)[number];
type Policy = Record<Period, number> & { defaults: Record<Period, number> };
interface Report { started_at: string; trigger: string; removed: Record<string, number>; total: number }

function reportView(report: Report | null): HTMLElement {
  if (report === null) return h("p", { class: "muted purge-report" }, t("admin.retention.never"));
  const when = new Date(report.started_at).toLocaleString(lang);
  const rows = Object.entries(report.removed).map(([kind, count]) =>
    h("tr", {}, h("td", {}, t(`admin.retention.removed.${kind}`)), h("td", { class: "count" }, String(count))));
  return h("div", { class: "purge-report" },
    h("p", {}, t("admin.retention.last", { when, trigger: t(`admin.retention.trigger.${report.trigger}`), total: String(report.total) })),
    h("table", { class: "admin-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("admin.retention.kind")), h("th", { scope: "col" }, t("admin.retention.count")))),
      h("tbody", {}, ...rows)));
}

export async function retentionTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const policy = await api<Policy>("/api/admin/settings/retention", { token });
  const purge = await api<{ last: Report | null; interval_s: number }>("/api/admin/retention/purge", { token });
  const inputs = Object.fromEntries(PERIODS.map((p) => {
    const el = input(String(policy[p]), "number");
    el.min = "1";
    el.max = "3650";
    el.step = "1";
    return [p, el];
  })) as Record<Period, HTMLInputElement>;
  const fields = PERIODS.map((p) => {
    const f = field(t(`admin.retention.${p}`), p, inputs[p]);
    f.append(h("small", { class: "muted" }, t("admin.retention.default", { days: String(policy.defaults[p]) })));
    return f;
  });
  const report = h("div", { "aria-live": "polite" }, reportView(purge.last));
  const status = h("p", { class: "form-status", role: "status" });
  const now = h("button", { type: "button", class: "button" }, t("admin.retention.purge_now"));
  now.onclick = async () => {
    now.disabled = true;
    status.textContent = "";
    try {
      report.replaceChildren(reportView(await api<Report>("/api/admin/retention/purge", { method: "POST", token })));
    } catch (exc) {
      status.textContent = exc instanceof ApiError && exc.status === 409 ? t("admin.retention.busy") : String(exc);
    } finally {
      now.disabled = false;
    }
  };
  const every = purge.interval_s > 0
    ? t("admin.retention.interval", { hours: String(Math.round((purge.interval_s / 3600) * 10) / 10) })
    : t("admin.retention.interval_off");
  panel.replaceChildren(
    h("section", { class: "admin-card", "aria-label": t("admin.tab.retention") },
      h("p", { class: "muted" }, t("admin.retention.help")),
      form(fields, async () => {
        const body = Object.fromEntries(PERIODS.map((p) => [p, Number(inputs[p].value)]));
        await api("/api/admin/settings/retention", { method: "PUT", token, body });
      })),
    h("section", { class: "admin-card", "aria-label": t("admin.retention.purge") },
      h("h3", {}, t("admin.retention.purge")), h("p", { class: "muted" }, every),
      report, h("div", { class: "form-actions" }, now, status)),
  );
}
