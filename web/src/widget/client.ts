// HTTP calls the widget makes: the site key for public endpoints, the customer's session
// token (returned at creation) for everything about its own escalation.
import type { ProactiveRule } from "./proactive";

export type Modality = "chat" | "video" | "screen" | "cobrowse";

export interface Availability {
  available: boolean;
  modalities: Modality[];
  estimated_wait_s: number | null;
  reason: string | null;
  /** What to offer instead when visual help is not available: "callback", ... */
  alternative?: string | null;
  proactive?: ProactiveRule[];
}

export interface Escalation {
  id: string;
  state: string;
  modalities: Modality[];
  session_id: string;
  agent_id: string | null;
  context: Record<string, unknown>;
  queue_position?: number | null;
  estimated_wait_s?: number | null;
  agent?: { id: string; name: string } | null;
  agent_name?: string | null;
  [field: string]: unknown;
}

export interface Created {
  escalation: Escalation;
  customer: { token: string; join_url?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export interface ConsentAnswer {
  kind: "camera" | "screen" | "cobrowse";
  decision: "granted" | "refused" | "withdrawn";
  text: string;
  lang: string;
}

export class WidgetClient {
  constructor(
    readonly base: string,
    readonly siteKey: string,
  ) {}

  private async call<T>(method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    else headers["X-Coview-Site-Key"] = this.siteKey;
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(this.base + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: "omit",
    });
    const text = await response.text();
    const data = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const detail = (data as { detail?: string } | null)?.detail ?? response.statusText;
      throw new ApiError(response.status, detail);
    }
    return data as T;
  }

  /** `identityToken`: the site's signed identity token, the only tier a site that
   *  verifies identity trusts (sent as a header, not in the URL). */
  availability(params: { page: string; tier?: string; lang: string; modality?: string; identityToken?: string }): Promise<Availability> {
    const query = new URLSearchParams({ page: params.page, lang: params.lang });
    if (params.tier) query.set("tier", params.tier);
    if (params.modality) query.set("modality", params.modality);
    const headers: Record<string, string> = params.identityToken ? { "X-Coview-Identity": params.identityToken } : {};
    return this.call("GET", `/api/availability?${query}`, { headers });
  }

  create(body: Record<string, unknown>, idempotencyKey: string): Promise<Created> {
    return this.call("POST", "/api/escalations", { body, headers: { "Idempotency-Key": idempotencyKey } });
  }

  /** A callback request: the alternative when visual help is not offered. */
  callback(body: Record<string, unknown>): Promise<{ id: string; status: string }> {
    return this.call("POST", "/api/callbacks", { body });
  }

  /** A web chat (the bot answers first); its token is the customer's session token. */
  conversation(body: Record<string, unknown>): Promise<{ conversation_id: string; session_id: string; token: string }> {
    return this.call("POST", "/api/conversations", { body });
  }

  get(id: string, token: string): Promise<Escalation> {
    return this.call("GET", `/api/escalations/${encodeURIComponent(id)}`, { token });
  }

  cancel(id: string, token: string): Promise<Escalation> {
    return this.call("POST", `/api/escalations/${encodeURIComponent(id)}/cancel`, { token, body: {} });
  }

  csat(id: string, token: string, score: number, comment: string): Promise<unknown> {
    const body: Record<string, unknown> = { score };
    if (comment.trim()) body.comment = comment.trim();
    return this.call("POST", `/api/escalations/${encodeURIComponent(id)}/csat`, { token, body });
  }

  /** A consent record: the customer's answer to one of the widget's prompts. */
  consent(sessionId: string, token: string, body: ConsentAnswer): Promise<unknown> {
    return this.call("POST", `/api/sessions/${encodeURIComponent(sessionId)}/consents`, { token, body });
  }

  /** Proactive invitations and conversion tracking (site key; docs/protocol.md). */
  post<T>(path: string, body: Record<string, unknown>, identityToken?: string): Promise<T> {
    return this.call("POST", path, { body, headers: identityToken ? { "X-Coview-Identity": identityToken } : {} });
  }

  /** Fire-and-forget on page exit: keepalive fetch survives the page unlike plain fetch. */
  abandon(id: string, token: string): void {
    const url = `${this.base}/api/escalations/${encodeURIComponent(id)}/abandon`;
    try {
      void fetch(url, {
        method: "POST",
        keepalive: true,
        credentials: "omit",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: "{}",
      }).catch(() => undefined);
    } catch {
      navigator.sendBeacon?.(`${url}?token=${encodeURIComponent(token)}`);
    }
  }

  /** Live changes (SSE, plus polling): onChange on each, onEvent with the event type. */
  watch(id: string, token: string, onChange: () => void, onEvent: (type: string) => void): () => void {
    const url = `${this.base}/api/escalations/${encodeURIComponent(id)}/events?token=${encodeURIComponent(token)}`;
    let source: EventSource | null = null;
    try {
      source = new EventSource(url);
      const handle = (message: MessageEvent<string>): void => {
        try {
          const event = JSON.parse(message.data) as { type?: string };
          if (event.type) onEvent(event.type);
        } catch {
          /* a keep-alive or a non-JSON frame */
        }
        onChange();
      };
      source.onmessage = handle;
      source.addEventListener("event", handle as EventListener);
    } catch {
      source = null;
    }
    // Polling as well: cheap, and covers proxies that buffer SSE.
    const timer = window.setInterval(onChange, 3000);
    return () => {
      source?.close();
      window.clearInterval(timer);
    };
  }
}
