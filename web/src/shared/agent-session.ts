// The signed-in agent (console, dashboard, admin): access token kept for this tab only.
import { api } from "./api";

export interface AgentSession {
  access_token: string;
  agent: { id: string; name: string; role: "agent" | "supervisor" | "admin" };
}

const KEY = "coview.agent-session";

export function currentSession(): AgentSession | null {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as AgentSession) : null;
}

export async function signIn(email: string, password: string): Promise<AgentSession> {
  const session = await api<AgentSession>("/api/auth/login", { body: { email, password } });
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export async function signOut(): Promise<void> {
  const session = currentSession();
  sessionStorage.removeItem(KEY);
  if (session) {
    await api("/api/auth/logout", { method: "POST", token: session.access_token }).catch(() => undefined);
  }
}
