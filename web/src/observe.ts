// /observe/{session_id}: a supervisor watches a session in progress: the call (receive
// only: nobody sees or hears them) beside the customer's page (co-browse, view only).
// The token (the supervisor's access token) travels in the URL fragment.
import { mountCall } from "./call";
import { translator } from "./call/i18n";
import { mountCobrowseViewer } from "./cobrowse/viewer";

const root = document.getElementById("observe-root");
if (root) {
  const sessionId = root.dataset.sessionId ?? "";
  const lang = document.documentElement.lang || "en";
  const storageKey = `coview.observe.${sessionId}`;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token") ?? sessionStorage.getItem(storageKey);
  // An expert brought in mid-call (issue #25) gets the same two panes, in the call.
  const expert = (fragment.get("as") ?? sessionStorage.getItem(`${storageKey}.as`)) === "expert";
  if (fragment.has("token")) {
    sessionStorage.setItem(storageKey, fragment.get("token") ?? "");
    sessionStorage.setItem(`${storageKey}.as`, fragment.get("as") ?? "");
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (!token) {
    const message = document.createElement("p");
    message.className = "cv-notice";
    message.setAttribute("role", "alert");
    message.textContent = root.dataset.missingToken ?? "missing token";
    root.append(message);
  } else {
    if (expert) {
      const title = translator(lang)("observe.expert_title");
      document.title = `coview — ${title}`;
      const heading = document.querySelector(".observe-title");
      if (heading) heading.textContent = title;
    }
    const call = mountCall(document.getElementById("observe-call")!, { token, sessionId, lang, observe: !expert });
    const page = mountCobrowseViewer(document.getElementById("observe-page")!, { token, sessionId, lang });
    Object.assign(window, { coviewCall: call, coviewViewer: page });
  }
}
