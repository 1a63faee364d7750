// /dashboard: live agents, queue and sessions (refreshed from the API and the /agent
// feed), KPIs over a chosen window with charts and CSV export.
import en from "../../translations/dashboard.en.json";
import es from "../../translations/dashboard.es.json";
import pt from "../../translations/dashboard.pt.json";
import { api, ApiError } from "../shared/api";
import { currentSession, signIn, signOut, type AgentSession } from "../shared/agent-session";
import { BAD, GOOD, SCALE, barChart, doughnutChart } from "./charts";
import { ConversionSection } from "./conversion";
import { download, filterRecordings, loadRecordings, type RecordingFilter, type RecordingRow } from "./recordings";
import type { Chart } from "chart.js";
import { HelpRequests } from "./help";

type Lang = "es" | "en" | "pt";
const catalogs: Record<Lang, Record<string, string>> = { en, es, pt };
const lang = (document.documentElement.lang in catalogs ? document.documentElement.lang : "en") as Lang;
const t = (key: string) => catalogs[lang][key] ?? catalogs.en[key] ?? key;

export interface Metrics {
  escalations: number; offered: number; answered: number; abandoned: number; expired: number;
  abandonment_rate: number | null; average_speed_of_answer_s: number | null;
  service_level: number | null; service_level_threshold_s: number; average_handle_time_s: number | null;
  csat: { count: number; average: number | null; distribution: Record<string, number> };
  by_trigger: Record<string, number>; by_modality: Record<string, number>;
  upgrades: { count: number; rate: number | null; by_trigger: Record<string, number>; rate_by_trigger: Record<string, number | null> };
  accept_to_media_s: { count: number; average: number | null; p50: number | null; p90: number | null };
  experts?: { assisted: number; rate: number | null; time_s: { average: number | null } };
}
interface AgentRow { id: string; name: string; status: string; skills: string[]; languages: string[]; load: Record<string, number> }
interface Escalation { id: string; state: string; trigger: string; modalities: string[]; agent_id: string | null; session_id: string; updated_at: string; context: { customer?: { name?: string; tier?: string } | null } }
interface InProgress { escalation: Escalation; agent_name: string | null }

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

const seconds = (v: number | null | undefined) => (v == null ? "—" : v < 90 ? `${Math.round(v)} s` : `${(v / 60).toFixed(1)} min`);
const percent = (v: number | null | undefined) => (v == null ? "—" : `${Math.round(v * 100)} %`);
const WINDOWS: Record<string, number> = { "1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 };

export function metricsCsv(m: Metrics, from: string, to: string): string {
  const rows: [string, string | number | null][] = [
    ["from", from], ["to", to], ["escalations", m.escalations], ["offered", m.offered], ["answered", m.answered],
    ["abandoned", m.abandoned], ["expired", m.expired], ["abandonment_rate", m.abandonment_rate],
    ["average_speed_of_answer_s", m.average_speed_of_answer_s], ["service_level", m.service_level],
    ["service_level_threshold_s", m.service_level_threshold_s], ["average_handle_time_s", m.average_handle_time_s],
    ["csat_average", m.csat.average], ["csat_count", m.csat.count],
    ...Object.entries(m.csat.distribution).map(([k, v]) => [`csat_${k}`, v] as [string, number]),
    ...Object.entries(m.by_trigger).map(([k, v]) => [`trigger_${k}`, v] as [string, number]),
    ...Object.entries(m.by_modality).map(([k, v]) => [`modality_${k}`, v] as [string, number]),
    ["upgrades", m.upgrades.count], ["upgrade_rate", m.upgrades.rate],
    ...Object.entries(m.upgrades.by_trigger).map(([k, v]) => [`upgrades_${k}`, v] as [string, number]),
    ["accept_to_media_average_s", m.accept_to_media_s.average],
  ];
  return "metric,value\n" + rows.map(([k, v]) => `${k},${v ?? ""}`).join("\n") + "\n";
}

class Dashboard {
  private charts: Chart[] = [];
  private timer: number | undefined;
  private conversion: ConversionSection | null = null;
  private help: HelpRequests | null = null;
  constructor(private readonly root: HTMLElement, private readonly session: AgentSession) {}

  private get token() {
    return this.session.access_token;
  }

  render(): void {
    const windowSelect = h("select", { id: "kpi-window", "aria-label": t("dashboard.window") });
    for (const key of Object.keys(WINDOWS)) windowSelect.append(h("option", { value: key }, t(`dashboard.window.${key}`)));
    windowSelect.value = "24h";
    const exportButton = h("button", { class: "button", type: "button" }, t("dashboard.export"));
    const logout = h("button", { class: "button", type: "button" }, t("dashboard.logout"));
    logout.onclick = async () => {
      window.clearInterval(this.timer);
      this.help?.stop();
      await signOut();
      renderLogin(this.root);
    };
    this.root.replaceChildren(
      h("div", { class: "dash-head" }, h("h1", {}, t("dashboard.title")), h("span", {}, this.session.agent.name), logout),
      h("section", { class: "dash-live", "aria-labelledby": "live-title" },
        h("h2", { id: "live-title" }, t("dashboard.live")),
        h("div", { class: "dash-grid" },
          h("div", { class: "dash-card", id: "queue-card" }),
          h("div", { class: "dash-card wide", id: "agents-card" }),
          h("div", { class: "dash-card wide", id: "help-card" }),
          h("div", { class: "dash-card wide", id: "sessions-card" }))),
      h("section", { class: "dash-kpis", "aria-labelledby": "kpi-title" },
        h("div", { class: "dash-kpi-head" }, h("h2", { id: "kpi-title" }, t("dashboard.kpis")),
          h("label", { for: "kpi-window" }, t("dashboard.window")), windowSelect, exportButton),
        h("div", { class: "kpi-cards", id: "kpi-cards" }),
        h("div", { class: "chart-grid", id: "charts" })),
      (this.conversion = new ConversionSection(() => this.token, t, lang, h)).root,
      this.recordingsSection(),
    );
    windowSelect.onchange = () => void this.loadMetrics(windowSelect.value);
    exportButton.onclick = () => void this.exportCsv(windowSelect.value);
    this.help = new HelpRequests(document.getElementById("help-card")!, this.token, t, lang);
    this.help.start();
    void this.refreshLive();
    void this.loadMetrics("24h");
    this.timer = window.setInterval(() => void this.refreshLive(), 5000);
  }

  private recordings: RecordingRow[] = [];

  private recordingsSection(): HTMLElement {
    const from = h("input", { type: "date", id: "rec-from" });
    const to = h("input", { type: "date", id: "rec-to" });
    const kind = h("select", { id: "rec-kind" });
    for (const k of ["all", "video", "cobrowse"]) kind.append(h("option", { value: k }, t(`dashboard.recordings.kind.${k}`)));
    const session = h("input", { type: "search", id: "rec-session" });
    const list = h("div", { id: "recordings-list" });
    const apply = () => this.showRecordings(list, {
      from: from.value || undefined, to: to.value || undefined,
      kind: kind.value as RecordingFilter["kind"], session: session.value,
    });
    for (const input of [from, to, kind, session]) input.addEventListener("input", apply);
    void loadRecordings(this.token).then((rows) => { this.recordings = rows; apply(); });
    const field = (id: string, label: string, input: HTMLElement) => h("label", { for: id }, t(label), input);
    return h("section", { class: "dash-recordings", "aria-labelledby": "rec-title" },
      h("h2", { id: "rec-title" }, t("dashboard.recordings")),
      h("div", { class: "dash-filters" },
        field("rec-from", "dashboard.recordings.from", from), field("rec-to", "dashboard.recordings.to", to),
        field("rec-kind", "dashboard.recordings.kind", kind), field("rec-session", "dashboard.recordings.session", session)),
      list);
  }

  private showRecordings(list: HTMLElement, filter: RecordingFilter): void {
    const rows = filterRecordings(this.recordings, filter);
    if (rows.length === 0) {
      list.replaceChildren(h("p", { class: "muted" }, t("dashboard.recordings.none")));
      return;
    }
    const actions = (r: RecordingRow) => {
      const cell = h("td", { class: "dash-actions" });
      if (r.cobrowse) {
        cell.append(h("a", { class: "button", target: "_blank", rel: "noopener",
          href: `/cobrowse/replay/${encodeURIComponent(r.sessionId)}?lang=${lang}#token=${encodeURIComponent(this.token)}` },
        t("dashboard.recordings.replay")));
        const get = h("button", { class: "button", type: "button" }, t("dashboard.recordings.download_cobrowse"));
        get.onclick = () => void download(`/api/cobrowse/recordings/${encodeURIComponent(r.sessionId)}/events`,
          this.token, `coview-cobrowse-${r.sessionId}.json`);
        cell.append(get);
      }
      for (const v of r.videos) {
        const get = h("button", { class: "button", type: "button" }, `${t("dashboard.recordings.download_video")} · ${v.role}`);
        get.onclick = () => void download(v.url, this.token, `coview-${r.sessionId}-${v.role}.webm`);
        cell.append(get);
      }
      return cell;
    };
    const kinds = (r: RecordingRow) => [r.videos.length ? t("dashboard.recordings.kind.video") : "",
      r.cobrowse ? t("dashboard.recordings.kind.cobrowse") : ""].filter(Boolean).join(" + ");
    const duration = (r: RecordingRow) => seconds(Math.max(0, ...r.videos.map((v) => v.duration_s),
      r.cobrowse ? r.cobrowse.updated_at - r.cobrowse.started_at : 0));
    list.replaceChildren(h("table", { class: "dash-table", "data-testid": "recordings" },
      h("thead", {}, h("tr", {}, ...["started", "session", "kind", "duration", "actions"].map((k) =>
        h("th", { scope: "col" }, t(`dashboard.recordings.${k}`))))),
      h("tbody", {}, ...rows.map((r) => h("tr", { "data-session": r.sessionId },
        h("td", {}, r.startedAt.toLocaleString(lang)), h("td", {}, r.sessionId), h("td", {}, kinds(r)),
        h("td", {}, duration(r)), actions(r))))));
  }

  private range(windowKey: string): { from: string; to: string } {
    const to = new Date();
    const from = new Date(to.getTime() - WINDOWS[windowKey] * 1000);
    return { from: from.toISOString(), to: to.toISOString() };
  }

  async refreshLive(): Promise<void> {
    const [agents, queue, sessions] = await Promise.all([
      api<AgentRow[]>("/api/supervisor/agents", { token: this.token }),
      api<{ counts: Record<string, number>; longest_wait_s: number | null }>("/api/queue", { token: this.token }),
      api<InProgress[]>("/api/supervisor/sessions", { token: this.token }),
    ]);
    const queueCard = document.getElementById("queue-card")!;
    const waiting = queue.counts.queued ?? 0;
    queueCard.replaceChildren(h("h3", {}, t("dashboard.queue")),
      h("p", { class: "big", "data-testid": "queue-waiting" }, String(waiting)), h("p", { class: "muted" }, t("dashboard.queue.waiting")),
      h("p", { class: "big" }, seconds(queue.longest_wait_s)), h("p", { class: "muted" }, t("dashboard.queue.longest")));
    const state = (a: AgentRow) => a.status;
    document.getElementById("agents-card")!.replaceChildren(h("h3", {}, t("dashboard.agents")),
      h("table", { class: "dash-table" },
        h("thead", {}, h("tr", {}, ...["name", "state", "skills", "languages"].map((k) => h("th", { scope: "col" }, t(`dashboard.agent.${k}`))))),
        h("tbody", {}, ...agents.map((a) => h("tr", {}, h("td", {}, a.name),
          h("td", {}, h("span", { class: `state state-${state(a)}` }, t(`dashboard.state.${state(a)}`))),
          h("td", {}, a.skills.join(", ")), h("td", {}, a.languages.join(", ")))))));
    const sessionsCard = document.getElementById("sessions-card")!;
    const rows = sessions.filter((s) => s.escalation.state !== "offered");
    sessionsCard.replaceChildren(h("h3", {}, t("dashboard.sessions")),
      rows.length === 0 ? h("p", { class: "muted" }, t("dashboard.sessions.none")) :
        h("table", { class: "dash-table" },
          h("thead", {}, h("tr", {}, ...["customer", "agent", "modalities", "since", "actions"].map((k) => h("th", { scope: "col" }, t(`dashboard.sessions.${k}`))))),
          h("tbody", {}, ...rows.map(({ escalation: e, agent_name }) => h("tr", { "data-session": e.session_id },
            h("td", {}, e.context.customer?.name ?? "—"), h("td", {}, agent_name ?? "—"),
            h("td", {}, e.modalities.join(", ")), h("td", {}, new Date(e.updated_at).toLocaleTimeString(lang)),
            h("td", {}, h("a", { class: "button", target: "_blank", rel: "noopener",
              href: `/observe/${encodeURIComponent(e.session_id)}?lang=${lang}#token=${encodeURIComponent(this.token)}` },
            t("dashboard.sessions.observe"))))))));
  }

  async loadMetrics(windowKey: string): Promise<Metrics> {
    const { from, to } = this.range(windowKey);
    const m = await api<Metrics>(`/api/metrics?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { token: this.token });
    void this.conversion?.load(from, to);
    const card = (key: string, value: string) => h("div", { class: "kpi", "data-kpi": key }, h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-label" }, t(`dashboard.kpi.${key}`)));
    const upgradeRate = m.upgrades.rate;
    document.getElementById("kpi-cards")!.replaceChildren(
      card("offered", String(m.offered)), card("answered", String(m.answered)), card("abandoned", String(m.abandoned)),
      card("abandonment_rate", percent(m.abandonment_rate)), card("asa", seconds(m.average_speed_of_answer_s)),
      card("service_level", percent(m.service_level)), card("aht", seconds(m.average_handle_time_s)),
      card("csat", m.csat.average == null ? "—" : `${m.csat.average.toFixed(1)} / 5 (${m.csat.count})`),
      card("upgrade_rate", percent(upgradeRate)), card("time_to_media", seconds(m.accept_to_media_s.average)),
      card("expert_assisted", String(m.experts?.assisted ?? 0)), card("expert_time", seconds(m.experts?.time_s.average)));
    this.charts.forEach((c) => c.destroy());
    const charts = document.getElementById("charts")!;
    charts.replaceChildren();
    const slot = (key: string) => {
      const canvas = h("canvas", { role: "img", "aria-label": t(`dashboard.chart.${key}`) });
      charts.append(h("figure", { class: "chart" }, h("figcaption", {}, t(`dashboard.chart.${key}`)), h("div", { class: "chart-box" }, canvas)));
      return canvas;
    };
    const triggers = Object.keys(m.by_trigger);
    this.charts = [
      doughnutChart(slot("outcomes"), [t("dashboard.kpi.answered"), t("dashboard.kpi.abandoned")], [m.answered, m.abandoned], [GOOD, BAD]),
      barChart(slot("by_trigger"), triggers.map((k) => t(`dashboard.trigger.${k}`)), triggers.map((k) => m.by_trigger[k]), t("dashboard.chart.by_trigger")),
      barChart(slot("by_modality"), Object.keys(m.by_modality), Object.values(m.by_modality), t("dashboard.chart.by_modality")),
      barChart(slot("csat"), ["1", "2", "3", "4", "5"], ["1", "2", "3", "4", "5"].map((k) => m.csat.distribution[k] ?? 0), t("dashboard.chart.csat"), SCALE),
      barChart(slot("upgrades"), triggers.map((k) => t(`dashboard.trigger.${k}`)), triggers.map((k) => m.upgrades.by_trigger[k] ?? 0), t("dashboard.chart.upgrades")),
    ];
    return m;
  }

  async exportCsv(windowKey: string): Promise<void> {
    const { from, to } = this.range(windowKey);
    const m = await this.loadMetrics(windowKey);
    const link = h("a", { href: URL.createObjectURL(new Blob([metricsCsv(m, from, to)], { type: "text/csv" })), download: `coview-kpis-${windowKey}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
  }
}

function renderLogin(root: HTMLElement, message = ""): void {
  const email = h("input", { type: "email", id: "dash-email", autocomplete: "username" });
  const password = h("input", { type: "password", id: "dash-password", autocomplete: "current-password" });
  const error = h("p", { class: "field-error", role: "alert" }, message);
  const form = h("form", { class: "admin-login card" }, h("h1", {}, t("dashboard.login.title")),
    h("label", { for: "dash-email" }, t("dashboard.login.email")), email,
    h("label", { for: "dash-password" }, t("dashboard.login.password")), password,
    error, h("button", { class: "button primary", type: "submit" }, t("dashboard.login.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const session = await signIn(email.value, password.value);
      if (session.agent.role === "agent") {
        await signOut();
        error.textContent = t("dashboard.login.not_supervisor");
        return;
      }
      new Dashboard(root, session).render();
    } catch (exc) {
      error.textContent = exc instanceof ApiError ? exc.detail : String(exc);
    }
  });
  root.replaceChildren(form);
}

const root = document.getElementById("dashboard-root");
if (root) {
  const session = currentSession();
  if (session && session.agent.role !== "agent") new Dashboard(root, session).render();
  else renderLogin(root);
}
