// /join: exchange a 6-digit code (read over the phone) or an invite link once for a
// session token, then open the session. The token is kept per session in sessionStorage.
const form = document.getElementById("join-form") as HTMLFormElement | null;

export function sessionTokenKey(sessionId: string): string {
  return `coview.session.${sessionId}`;
}

async function join(body: Record<string, string>): Promise<void> {
  if (!form) return;
  const error = document.getElementById("join-error") as HTMLElement;
  const msg = form.dataset;
  const button = form.querySelector("button") as HTMLButtonElement;
  button.disabled = true;
  error.textContent = msg.msgJoining ?? "";
  try {
    const response = await fetch("/api/join", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      error.textContent = response.status === 429 ? msg.msgBusy ?? "" : msg.msgInvalid ?? "";
      return;
    }
    const joined = (await response.json()) as { token: string; session_id: string };
    sessionStorage.setItem(sessionTokenKey(joined.session_id), joined.token);
    location.assign(`/s/${encodeURIComponent(joined.session_id)}`);
  } catch {
    error.textContent = msg.msgNetwork ?? "";
  } finally {
    button.disabled = false;
  }
}

if (form) {
  const code = form.querySelector<HTMLInputElement>("#join-code")!;
  const name = form.querySelector<HTMLInputElement>("#join-name")!;
  code.addEventListener("input", () => {
    code.value = code.value.replace(/\D/g, "").slice(0, 6);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const error = document.getElementById("join-error") as HTMLElement;
    if (!/^\d{6}$/.test(code.value)) {
      error.textContent = form.dataset.msgFormat ?? "";
      code.focus();
      return;
    }
    const body: Record<string, string> = { short_code: code.value };
    if (name.value.trim()) body.name = name.value.trim();
    void join(body);
  });
  if (form.dataset.invite) void join({ invite: form.dataset.invite }); // opened from a link
}
