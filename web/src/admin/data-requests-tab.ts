// The data requests tab: find everything kept about one customer (as the site
// identified them), download it as a zip, or erase it and show what was erased.
// Customer data is only ever put in the page as text (h() appends text nodes).
import { api, ApiError } from "../shared/api";
import type { AgentSession } from "../shared/agent-session";
import { field, h, input, lang, t } from "./ui";

type Kind = "customer_id" | "email" | "name";
interface Item { kind: string; id: string; session_id: string | null; at: string | null; label: string; file: string }
interface Search { counts: Record<string, number>; truncated: boolean; items: Item[] }
interface Erasure { erased: Record<string, { count: number; ids: string[] }> }

const KINDS: Kind[] = ["email", "customer_id", "name"];

function when(at: string | null): string {
  return at ? new Date(at).toLocaleString(lang) : "";
}

export async function dataRequestsTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const kind = h("select", {}, ...KINDS.map((k) => h("option", { value: k }, t(`admin.dsr.kind.${k}`))));
  const value = input("", "search");
  const status = h("p", { class: "form-status", role: "alert" });
  const results = h("div", { class: "dsr-results", "aria-live": "polite" });
  let subject: Record<string, string> = {};
  let subjectLabel = "";
  const label = (): string => subjectLabel;
  const failed = (exc: unknown): void => {
    status.textContent = t("admin.dsr.error", { detail: exc instanceof ApiError ? exc.detail : String(exc) });
  };

  const exportZip = async (): Promise<void> => {
    const response = await fetch("/api/admin/data-requests/export", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(subject),
    });
    if (!response.ok) throw new ApiError(response.status, (await response.json()).detail ?? response.statusText);
    const link = h("a", { href: URL.createObjectURL(await response.blob()), download: "coview-data.zip" });
    document.body.append(link);
    link.click();
    link.remove();
  };

  const showReport = (erasure: Erasure): void => {
    const kinds = Object.entries(erasure.erased);
    const report = h("section", { class: "admin-card dsr-report", "aria-label": t("admin.dsr.erased", { subject: label() }) },
      h("h3", {}, t("admin.dsr.erased", { subject: label() })));
    if (kinds.length === 0) report.append(h("p", {}, t("admin.dsr.erased.none")));
    else report.append(h("ul", {}, ...kinds.map(([k, part]) =>
      h("li", {}, h("strong", {}, `${t(`admin.dsr.erased.${k}`)}: ${part.count}`), " ", h("code", {}, part.ids.join(", "))))));
    results.replaceChildren(report);
  };

  const show = (found: Search): void => {
    if (found.items.length === 0) {
      results.replaceChildren(h("p", {}, t("admin.dsr.empty")));
      return;
    }
    const rows = found.items.map((i) => h("tr", {},
      h("td", {}, t(`admin.dsr.item.${i.kind}`)), h("td", {}, h("code", {}, i.id)),
      h("td", {}, when(i.at)), h("td", {}, i.label)));
    const exportButton = h("button", { type: "button", class: "button" }, t("admin.dsr.export"));
    exportButton.onclick = () => void exportZip().catch(failed);
    const eraseButton = h("button", { type: "button", class: "button danger" }, t("admin.dsr.erase"));
    eraseButton.onclick = async () => {
      if (!window.confirm(t("admin.dsr.erase.confirm", { subject: label() }))) return;
      try {
        showReport(await api<Erasure>("/api/admin/data-requests/erase", { token, body: { ...subject, confirm: true } }));
      } catch (exc) {
        failed(exc);
      }
    };
    results.replaceChildren(
      h("p", {}, t("admin.dsr.found", { count: String(found.items.length), subject: label() })),
      ...(found.truncated ? [h("p", { class: "field-error" }, t("admin.dsr.truncated"))] : []),
      h("div", { class: "audit-actions" }, exportButton, eraseButton),
      h("table", { class: "admin-table" },
        h("thead", {}, h("tr", {}, ...["kind", "id", "when", "detail"].map((k) => h("th", { scope: "col" }, t(`admin.dsr.col.${k}`))))),
        h("tbody", {}, ...rows)));
  };

  const form = h("form", { class: "audit-filters", role: "search", "aria-label": t("admin.dsr.form") },
    field(t("admin.dsr.kind"), "kind", kind), field(t("admin.dsr.value"), kind.value, value),
    h("div", { class: "audit-actions" }, h("button", { type: "submit", class: "button primary" }, t("admin.dsr.search"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    subject = { [kind.value]: value.value };
    subjectLabel = `${t(`admin.dsr.kind.${kind.value}`)} “${value.value}”`;
    try {
      show(await api<Search>("/api/admin/data-requests/search", { token, body: subject }));
    } catch (exc) {
      results.replaceChildren();
      failed(exc);
    }
  });
  panel.replaceChildren(h("p", {}, t("admin.dsr.intro")), form, status, results);
  value.focus();
}
