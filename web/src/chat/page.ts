// The standalone chat page (/chat/{conversation_id}#token=...): the customer's
// conversation full-page, e.g. from a link in an e-mail.
import { mountChat } from "./index";
import type { Lang } from "./i18n";

const root = document.getElementById("chat-root");
if (root) {
  const conversationId = root.dataset.conversationId ?? "";
  const key = `coview.chat.${conversationId}`;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem(key, fromHash);
    history.replaceState(null, "", location.pathname + location.search);
  }
  const token = sessionStorage.getItem(key);
  if (token) {
    mountChat(root, {
      token,
      conversationId,
      lang: (document.documentElement.lang as Lang) || "en",
      role: "customer",
    });
  } else {
    root.textContent = root.dataset.noToken ?? "";
  }
}
