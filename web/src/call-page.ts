// The /call/{session_id} page: reads the token from the URL fragment (#token=...),
// keeps it in sessionStorage so a reload rejoins, and mounts the call UI.
import { mountCall } from "./call";

const root = document.getElementById("call-root");
if (root) {
  const sessionId = root.dataset.sessionId ?? "";
  const lang = document.documentElement.lang || "en";
  const storageKey = `coview.call.${sessionId}`;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token") ?? sessionStorage.getItem(storageKey);
  const policy = fragment.get("policy") === "relay" ? "relay" : "all";
  if (fragment.has("token")) {
    sessionStorage.setItem(storageKey, fragment.get("token") ?? "");
    history.replaceState(null, "", location.pathname + location.search); // keep it out of history
  }
  if (!token) {
    const message = document.createElement("p");
    message.className = "cv-notice";
    message.setAttribute("role", "alert");
    message.textContent = root.dataset.missingToken ?? "missing token";
    root.append(message);
  } else {
    const call = mountCall(root, { token, sessionId, lang, iceTransportPolicy: policy });
    (window as unknown as { coviewCall: unknown }).coviewCall = call;
  }
}
