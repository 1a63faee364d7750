// /admin: sites, agents, settings, the audit log and data requests. Every save shows the server's field errors
// next to the fields they name.
import { api, ApiError } from "../shared/api";
import { currentSession, signIn, signOut, type AgentSession } from "../shared/agent-session";
import { field, form, h, input, lang, list, t } from "./ui";
import { auditTab } from "./audit-tab";
import { dataRequestsTab } from "./data-requests-tab";
import { proactiveTab } from "./proactive-tab";
import { retentionTab } from "./retention-tab";
import { botTab, hoursTab, maskingTab, rulesTab, turnTab, webhooksTab } from "./settings-tabs";

interface Site {
  id: string; name: string; site_key: string; allowed_origins: string[];
  identity_verification: boolean; identity_secret_set: boolean; identity_secret?: string;
}
interface Agent {
  id: string; name: string; email: string; role: string; skills: string[]; languages: string[];
  capacity: Record<string, number>; presence: string;
}

/** A freshly made identity secret: shown this once (the API never lists it again). */
function secretNotice(site: Site): HTMLElement {
  return h("p", { class: "secret-once", role: "status" }, `${t("admin.sites.secret.once")} `, h("code", { class: "identity-secret" }, site.identity_secret ?? ""));
}

async function sitesTab(session: AgentSession, panel: HTMLElement, created?: Site): Promise<void> {
  const token = session.access_token;
  const sites = await api<Site[]>("/api/admin/sites", { token });
  panel.replaceChildren();
  for (const site of sites) {
    const name = input(site.name);
    const origins = h("textarea", { rows: "3" });
    origins.value = site.allowed_origins.join("\n");
    const verify = input("", "checkbox");
    verify.checked = site.identity_verification;
    const key = h("code", { class: "site-key" }, site.site_key);
    const rotate = h("button", { type: "button", class: "button" }, t("admin.sites.rotate"));
    const secretState = h("span", {}, t(site.identity_secret_set ? "admin.sites.secret.set" : "admin.sites.secret.none"));
    const rotateSecret = h("button", { type: "button", class: "button" }, t("admin.sites.secret.rotate"));
    const secretBox = h("div", {});
    const card = h("section", { class: "admin-card", "aria-label": site.name }, h("h3", {}, site.name));
    const show = (updated: Site): void => {
      if (updated.identity_secret) secretBox.replaceChildren(secretNotice(updated));
      secretState.textContent = t(updated.identity_secret_set ? "admin.sites.secret.set" : "admin.sites.secret.none");
    };
    const save = form(
      [
        field(t("admin.sites.name"), "name", name),
        field(t("admin.sites.origins"), "allowed_origins", origins),
        field(t("admin.sites.verify"), "identity_verification", verify),
      ],
      async () => {
        const body = { name: name.value, allowed_origins: list(origins.value, /\n/), identity_verification: verify.checked };
        show(await api<Site>(`/api/admin/sites/${site.id}`, { method: "PUT", token, body }));
      },
    );
    rotate.onclick = async () => {
      const updated = await api<Site>(`/api/admin/sites/${site.id}`, { method: "PUT", token, body: { rotate_key: true } });
      key.textContent = updated.site_key;
    };
    rotateSecret.onclick = async () => {
      if (site.identity_secret_set && !window.confirm(t("admin.sites.secret.confirm"))) return;
      show(await api<Site>(`/api/admin/sites/${site.id}`, { method: "PUT", token, body: { rotate_identity_secret: true } }));
    };
    if (created?.id === site.id) secretBox.append(secretNotice(created));
    card.append(
      h("p", {}, `${t("admin.sites.key")}: `, key, " ", rotate),
      h("p", {}, `${t("admin.sites.secret")}: `, secretState, " ", rotateSecret),
      secretBox,
      save,
    );
    panel.append(card);
  }
  const name = input();
  const origins = h("textarea", { rows: "2", placeholder: "https://shop.example" });
  panel.append(
    h("section", { class: "admin-card" }, h("h3", {}, t("admin.sites.new")),
      form([field(t("admin.sites.name"), "name", name), field(t("admin.sites.origins"), "allowed_origins", origins)], async () => {
        const site = await api<Site>("/api/admin/sites", { token, body: { name: name.value, allowed_origins: list(origins.value, /\n/) } });
        await sitesTab(session, panel, site);
      }, t("admin.add"))),
  );
}

function agentFields(agent?: Agent) {
  const role = h("select");
  for (const value of ["agent", "supervisor", "admin"]) role.append(h("option", { value }, value));
  role.value = agent?.role ?? "agent";
  const capacity = Object.fromEntries(["chat", "video", "cobrowse"].map((k) => [k, input(String(agent?.capacity[k] ?? { chat: 4, video: 1, cobrowse: 2 }[k]), "number")]));
  return {
    name: input(agent?.name ?? ""),
    role,
    skills: input(agent?.skills.join(", ") ?? ""),
    languages: input(agent?.languages.join(", ") ?? ""),
    password: input("", "password"),
    capacity,
  };
}

async function agentsTab(session: AgentSession, panel: HTMLElement): Promise<void> {
  const token = session.access_token;
  const agents = await api<Agent[]>("/api/admin/agents", { token });
  panel.replaceChildren();
  const capacityField = (c: Record<string, HTMLInputElement>) =>
    h("fieldset", { class: "capacity" }, h("legend", {}, t("admin.agents.capacity")),
      ...Object.entries(c).map(([k, el]) => field(k, "capacity", el)));
  for (const agent of agents) {
    const f = agentFields(agent);
    panel.append(
      h("section", { class: "admin-card", "aria-label": agent.name },
        h("h3", {}, `${agent.name} `, h("small", {}, `${agent.email} · ${t("admin.agents.presence")}: ${agent.presence}`)),
        form([
          field(t("admin.agents.name"), "name", f.name), field(t("admin.agents.role"), "role", f.role),
          field(t("admin.agents.skills"), "skills", f.skills), field(t("admin.agents.languages"), "languages", f.languages),
          capacityField(f.capacity), field(t("admin.agents.new_password"), "password", f.password),
        ], async () => {
          const body: Record<string, unknown> = {
            name: f.name.value, role: f.role.value, skills: list(f.skills.value, /,/), languages: list(f.languages.value, /,/),
            capacity: Object.fromEntries(Object.entries(f.capacity).map(([k, el]) => [k, Number(el.value)])),
          };
          if (f.password.value) body.password = f.password.value;
          await api(`/api/admin/agents/${agent.id}`, { method: "PUT", token, body });
        })));
  }
  const f = agentFields();
  const email = input("", "email");
  panel.append(
    h("section", { class: "admin-card" }, h("h3", {}, t("admin.agents.new")),
      form([
        field(t("admin.agents.email"), "email", email), field(t("admin.agents.name"), "name", f.name),
        field(t("admin.agents.role"), "role", f.role), field(t("admin.agents.password"), "password", f.password),
        field(t("admin.agents.skills"), "skills", f.skills), field(t("admin.agents.languages"), "languages", f.languages),
        capacityField(f.capacity),
      ], async () => {
        await api("/api/admin/agents", { token, body: {
          email: email.value, name: f.name.value, role: f.role.value, password: f.password.value,
          skills: list(f.skills.value, /,/), languages: list(f.languages.value, /,/),
          capacity: Object.fromEntries(Object.entries(f.capacity).map(([k, el]) => [k, Number(el.value)])),
        } });
        await agentsTab(session, panel);
      }, t("admin.add"))));
}

export const TABS: Record<string, (session: AgentSession, panel: HTMLElement) => Promise<void>> = {
  sites: sitesTab,
  agents: agentsTab,
  hours: hoursTab,
  rules: rulesTab,
  proactive: proactiveTab,
  webhooks: webhooksTab,
  bot: botTab,
  masking: maskingTab,
  turn: turnTab,
  retention: retentionTab,
  audit: auditTab,
  dsr: dataRequestsTab,
};

function renderApp(root: HTMLElement, session: AgentSession): void {
  const tablist = h("div", { role: "tablist", class: "tabs", "aria-label": t("admin.title") });
  const panel = h("div", { role: "tabpanel", class: "admin-panel", tabindex: "0" });
  const logout = h("button", { class: "button", type: "button" }, t("admin.logout"));
  logout.onclick = async () => {
    await signOut();
    renderLogin(root);
  };
  const buttons = Object.keys(TABS).map((name) => {
    const tab = h("button", { role: "tab", type: "button", id: `tab-${name}`, "aria-selected": "false" }, t(`admin.tab.${name}`));
    tab.onclick = () => {
      buttons.forEach((b) => b.setAttribute("aria-selected", String(b === tab)));
      panel.setAttribute("aria-labelledby", tab.id);
      void TABS[name](session, panel).catch((exc) => {
        if (exc instanceof ApiError && exc.status === 401) renderLogin(root);
        else panel.textContent = String(exc);
      });
    };
    return tab;
  });
  tablist.append(...buttons);
  root.replaceChildren(h("div", { class: "admin-head" }, h("h1", {}, t("admin.title")), h("span", {}, session.agent.name), logout), tablist, panel);
  buttons[0].click();
}

function renderLogin(root: HTMLElement, message = ""): void {
  const email = input("", "email");
  const password = input("", "password");
  const error = h("p", { class: "field-error", role: "alert" }, message);
  const node = h("form", { class: "admin-login card" }, h("h1", {}, t("admin.login.title")),
    field(t("admin.login.email"), "email", email), field(t("admin.login.password"), "password", password),
    error, h("button", { class: "button primary", type: "submit" }, t("admin.login.submit")));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const session = await signIn(email.value, password.value);
      if (session.agent.role !== "admin") {
        await signOut();
        error.textContent = t("admin.login.not_admin");
        return;
      }
      renderApp(root, session);
    } catch {
      error.textContent = t("admin.login.failed");
    }
  });
  root.replaceChildren(node);
  email.focus();
}

const root = document.getElementById("admin-root");
if (root) {
  const session = currentSession();
  if (session?.agent.role === "admin") renderApp(root, session);
  else renderLogin(root);
}
