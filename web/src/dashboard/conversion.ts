// The dashboard's "Assisted conversion" section: invitations per rule, conversion and
// revenue of helped sessions against visitors not helped, by modality and trigger,
// from GET /api/metrics/conversion, with its own CSV export.
import type { Chart } from "chart.js";
import { formatMoney } from "../shared/i18n";
import { api } from "../shared/api";
import { BAD, GOOD, barChart } from "./charts";

type Translate = (key: string) => string;
type H = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string>, ...children: (Node | string)[]) => HTMLElementTagNameMap[K];
interface Money { purchases: number; revenue: number; aov: number | null; conversion_rate: number | null }
interface Group extends Money { sessions: number }
export interface Conversion {
  from: string; to: string; currency: string | null; window_h: number;
  invitations: { shown: number; accepted: number; dismissed: number; by_rule: { rule_id: string; name: string; shown: number; accepted: number; dismissed: number; acceptance_rate: number | null }[] };
  assisted: Group; invited: Money & { visitors: number; dismissed: number; ignored: number }; not_helped: Money & { visitors: number };
  agent_hours: number; revenue_per_agent_hour: number | null;
  by_modality: Record<string, Group>; by_trigger: Record<string, Group>;
}

const pct = (v: number | null) => (v == null ? "—" : `${Math.round(v * 1000) / 10} %`);

export function conversionCsv(c: Conversion): string {
  const rows: (string | number | null)[][] = [["section", "key", "metric", "value"], ["window", "", "from", c.from], ["window", "", "to", c.to], ["window", "", "currency", c.currency]];
  for (const section of ["assisted", "invited", "not_helped"] as const) for (const [k, v] of Object.entries(c[section])) rows.push([section, "", k, v]);
  rows.push(["labour", "", "agent_hours", c.agent_hours], ["labour", "", "revenue_per_agent_hour", c.revenue_per_agent_hour]);
  for (const r of c.invitations.by_rule) for (const k of ["shown", "accepted", "dismissed", "acceptance_rate"] as const) rows.push(["invitations", r.rule_id, k, r[k]]);
  for (const section of ["by_modality", "by_trigger"] as const) for (const [key, g] of Object.entries(c[section])) for (const [k, v] of Object.entries(g)) rows.push([section, key, k, v]);
  const cell = (v: string | number | null) => (v == null ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return rows.map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

export class ConversionSection {
  readonly root: HTMLElement;
  private charts: Chart[] = [];
  private last: Conversion | null = null;

  constructor(private readonly token: () => string, private readonly t: Translate, private readonly lang: string, private readonly h: H) {
    const exportButton = h("button", { class: "button", type: "button" }, t("dashboard.conversion.export"));
    exportButton.onclick = () => this.exportCsv();
    this.root = h("section", { class: "dash-kpis", "aria-labelledby": "conv-title" },
      h("div", { class: "dash-kpi-head" }, h("h2", { id: "conv-title" }, t("dashboard.conversion")), exportButton),
      h("div", { class: "kpi-cards", id: "conv-cards" }), h("div", { id: "conv-rules" }), h("div", { class: "chart-grid", id: "conv-charts" }));
  }

  async load(from: string, to: string): Promise<Conversion> {
    const { h, t } = this;
    const c = await api<Conversion>(`/api/metrics/conversion?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { token: this.token() });
    this.last = c;
    const money = (v: number | null) => (v == null ? "—" : formatMoney(v, c.currency ?? "EUR", this.lang));
    const card = (key: string, value: string) => h("div", { class: "kpi", "data-kpi": key }, h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-label" }, t(`dashboard.conversion.${key}`)));
    this.root.querySelector("#conv-cards")!.replaceChildren(
      card("assisted_purchases", String(c.assisted.purchases)), card("assisted_revenue", money(c.assisted.revenue)),
      card("assisted_rate", pct(c.assisted.conversion_rate)), card("not_helped_rate", pct(c.not_helped.conversion_rate)),
      card("invited_rate", pct(c.invited.conversion_rate)), card("assisted_aov", money(c.assisted.aov)),
      card("not_helped_aov", money(c.not_helped.aov)), card("revenue_per_agent_hour", money(c.revenue_per_agent_hour)),
      card("invitations", `${c.invitations.shown} / ${c.invitations.accepted} / ${c.invitations.dismissed}`));
    const rules = c.invitations.by_rule;
    this.root.querySelector("#conv-rules")!.replaceChildren(rules.length === 0 ? h("p", { class: "muted" }, t("dashboard.conversion.rules.none")) :
      h("table", { class: "dash-table", "data-testid": "invitation-rules" },
        h("thead", {}, h("tr", {}, ...["rule", "shown", "accepted", "dismissed", "acceptance"].map((k) => h("th", { scope: "col" }, t(`dashboard.conversion.rules.${k}`))))),
        h("tbody", {}, ...rules.map((r) => h("tr", { "data-rule": r.rule_id }, h("td", {}, r.name), h("td", {}, String(r.shown)), h("td", {}, String(r.accepted)), h("td", {}, String(r.dismissed)), h("td", {}, pct(r.acceptance_rate)))))));
    this.charts.forEach((chart) => chart.destroy());
    const charts = this.root.querySelector("#conv-charts")!;
    charts.replaceChildren();
    const slot = (key: string) => {
      const canvas = h("canvas", { role: "img", "aria-label": t(`dashboard.conversion.chart.${key}`) });
      charts.append(h("figure", { class: "chart" }, h("figcaption", {}, t(`dashboard.conversion.chart.${key}`)), h("div", { class: "chart-box" }, canvas)));
      return canvas;
    };
    const groups = ["assisted", "invited", "not_helped"] as const;
    const modalities = Object.keys(c.by_modality);
    const triggers = Object.keys(c.by_trigger);
    this.charts = [
      barChart(slot("rate"), groups.map((g) => t(`dashboard.conversion.group.${g}`)), groups.map((g) => Math.round((c[g].conversion_rate ?? 0) * 1000) / 10), "%", [GOOD, "#a15c00", BAD]),
      barChart(slot("revenue"), groups.map((g) => t(`dashboard.conversion.group.${g}`)), groups.map((g) => c[g].revenue), c.currency ?? "", [GOOD, "#a15c00", BAD]),
      barChart(slot("by_modality"), modalities.map((m) => t(`dashboard.conversion.modality.${m}`)), modalities.map((m) => c.by_modality[m].revenue), c.currency ?? ""),
      barChart(slot("by_trigger"), triggers.map((k) => t(`dashboard.trigger.${k}`)), triggers.map((k) => c.by_trigger[k].revenue), c.currency ?? ""),
    ];
    return c;
  }

  private exportCsv(): void {
    if (!this.last) return;
    const link = this.h("a", { href: URL.createObjectURL(new Blob([conversionCsv(this.last)], { type: "text/csv" })), download: "coview-conversion.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  }
}
