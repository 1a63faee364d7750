// /observe/{session_id}: a supervisor watches a session in progress: the call (receive
// only: nobody sees or hears them) beside the customer's page (co-browse, view only).
// The token (the supervisor's access token) travels in the URL fragment.
import { mountCall } from "./call";
import { mountCobrowseViewer } from "./cobrowse/viewer";

const root = document.getElementById("observe-root");
if (root) {
  const sessionId = root.dataset.sessionId ?? "";
  const lang = document.documentElement.lang || "en";
  const storageKey = `coview.observe.${sessionId}`;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token") ?? sessionStorage.getItem(storageKey);
  if (fragment.has("token")) {
    sessionStorage.setItem(storageKey, fragment.get("token") ?? "");
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (!token) {
    const message = document.createElement("p");
    message.className = "cv-notice";
    message.setAttribute("role", "alert");
    message.textContent = root.dataset.missingToken ?? "missing token";
    root.append(message);
  } else {
    const call = mountCall(document.getElementById("observe-call")!, { token, sessionId, lang, observe: true });
    const page = mountCobrowseViewer(document.getElementById("observe-page")!, { token, sessionId, lang });
    Object.assign(window, { coviewCall: call, coviewViewer: page });
  }
}
