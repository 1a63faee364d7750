// /cobrowse/replay/{session_id}#token=: a supervisor replays a recorded co-browse.
import { mountCobrowseReplay } from "../replay";

const box = document.getElementById("replay") as HTMLElement;
const token = new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem("coview.replay.token");
if (token) sessionStorage.setItem("coview.replay.token", token);
(window as unknown as { coviewReplay: unknown }).coviewReplay = await mountCobrowseReplay(box, {
  token: token ?? "",
  sessionId: box.dataset.sessionId ?? "",
  lang: document.documentElement.lang,
});
document.body.dataset.replay = "ready";
