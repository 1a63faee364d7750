// REST calls of the console, with the agent's access token (kept in sessionStorage so a
// reload keeps the agent signed in, and closing the tab signs them out of this browser).
export interface AgentInfo {
  id: string;
  name: string;
  role: string;
  email?: string;
  skills?: string[];
  languages?: string[];
  capacity?: Record<string, number>;
  presence?: string;
}

export interface Escalation {
  id: string;
  state: string;
  trigger: string;
  channel: string;
  modalities: string[];
  context: Record<string, unknown>;
  skills: string[];
  language: string | null;
  priority: number;
  agent_id: string | null;
  created_at: string;
  updated_at: string;
  session_id: string;
  [field: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

const TOKEN_KEY = "coview-console-token";
const AGENT_KEY = "coview-console-agent";

export class ConsoleApi {
  token: string | null = sessionStorage.getItem(TOKEN_KEY);
  onUnauthorized: () => void = () => undefined;

  get storedAgent(): AgentInfo | null {
    try {
      return JSON.parse(sessionStorage.getItem(AGENT_KEY) ?? "null") as AgentInfo | null;
    } catch {
      return null;
    }
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      if (response.status === 401 && this.token && path !== "/api/auth/login") this.onUnauthorized();
      throw new ApiError(response.status, (data as { detail?: string } | null)?.detail ?? response.statusText);
    }
    return data as T;
  }

  async login(email: string, password: string): Promise<AgentInfo> {
    const result = await this.call<{ access_token: string; agent: AgentInfo }>("POST", "/api/auth/login", { email, password });
    this.token = result.access_token;
    sessionStorage.setItem(TOKEN_KEY, result.access_token);
    sessionStorage.setItem(AGENT_KEY, JSON.stringify(result.agent));
    return result.agent;
  }

  async logout(): Promise<void> {
    try {
      await this.call("POST", "/api/auth/logout");
    } finally {
      this.forget();
    }
  }

  forget(): void {
    this.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(AGENT_KEY);
  }

  me(): Promise<AgentInfo> {
    return this.call("GET", "/api/me");
  }

  /** The organisation's other agents, to transfer to. */
  colleagues(): Promise<{ id: string; name: string; status: string; skills: string[] }[]> {
    return this.call("GET", "/api/agents/colleagues");
  }

  setPresence(status: string): Promise<unknown> {
    return this.call("PUT", "/api/agents/me/presence", { status });
  }

  queue(): Promise<unknown> {
    return this.call("GET", "/api/queue");
  }

  escalation(id: string): Promise<Escalation> {
    return this.call("GET", `/api/escalations/${encodeURIComponent(id)}`);
  }

  act(id: string, action: string, body: Record<string, unknown> = {}): Promise<Escalation> {
    return this.call("POST", `/api/escalations/${encodeURIComponent(id)}/${action}`, body);
  }

  /** A phone call turned visual: an escalation already accepted by me, and the code
   * the customer types at /join. */
  adhoc(body: Record<string, unknown>): Promise<{ escalation: Escalation; invite: { join_url: string; short_code: string; expires_at: string } }> {
    return this.call("POST", "/api/sessions", body);
  }

  async history(customerId: string): Promise<Escalation[]> {
    const data = await this.call<unknown>("GET", `/api/escalations?customer_id=${encodeURIComponent(customerId)}`);
    if (Array.isArray(data)) return data as Escalation[];
    const items = (data as { items?: unknown; escalations?: unknown } | null) ?? {};
    return ((Array.isArray(items.items) ? items.items : items.escalations) ?? []) as Escalation[];
  }
}
