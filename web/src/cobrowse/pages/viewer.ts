// /cobrowse/viewer?session_id=#token=: a bare agent viewer (tests and demos).
import { mountCobrowseViewer } from "../viewer";

const box = document.getElementById("viewer") as HTMLElement;
const token = new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem("coview.viewer.token");
if (token) sessionStorage.setItem("coview.viewer.token", token);
(window as unknown as { coviewViewer: unknown }).coviewViewer = mountCobrowseViewer(box, {
  token: token ?? "",
  sessionId: box.dataset.sessionId ?? "",
  lang: document.documentElement.lang,
  onStatus: (status) => {
    document.body.dataset.viewer = status;
  },
});
