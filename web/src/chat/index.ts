/**
 * Chat panel, used by the customer widget, the standalone chat page and the agent console.
 *
 *   const chat = mountChat(container, { token, conversationId, lang: "es", role: "customer" });
 *   chat.onUnread = (n) => ...;      // messages received while not focused
 *   chat.close();
 *
 * Message text is always rendered as text (never as HTML). System messages carry an
 * `event` and are worded here, in the reader's language. Upgrade offers from the agent
 * appear as a consent card; accepting calls `onUpgrade(modality)`.
 */
import { safeImageSrc } from "../shared/url";
import { ChatClient, type ChatMessage, type Conversation } from "./client";
import { translator, type Lang } from "./i18n";
import { CHAT_CSS } from "./style";

export interface ChatOptions {
  token: string;
  conversationId: string;
  lang: Lang;
  role: "customer" | "agent";
  baseUrl?: string;
  onUpgrade?: (modality: string, data: Record<string, string>) => void;
  /** The customer answered an upgrade card (before the server has acted on it). */
  onConsent?: (modality: string, accepted: boolean, text: string) => void;
  onConversation?: (conversation: Conversation) => void;
}

export interface ChatController {
  client: ChatClient;
  onUnread?: (count: number) => void;
  markRead(): void;
  close(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = "", text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text) node.textContent = text;
  return node;
}

function injectStyles(container: HTMLElement): void {
  const root = container.getRootNode() as Document | ShadowRoot;
  const host = root instanceof ShadowRoot ? root : document.head;
  if (host.querySelector("style[data-cv-chat]")) return;
  const style = el("style");
  style.dataset.cvChat = "";
  style.textContent = CHAT_CSS;
  host.appendChild(style);
}

async function readImage(file: File): Promise<{ name: string; data_url: string }> {
  const dataUrl = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  return { name: file.name, data_url: dataUrl };
}

export function mountChat(container: HTMLElement, opts: ChatOptions): ChatController {
  const t = translator(opts.lang);
  injectStyles(container);
  const root = el("section", "cv-chat");
  root.setAttribute("aria-label", t("chat.title"));
  const status = el("div", "cv-chat-status", t("chat.reconnecting"));
  status.hidden = true;
  status.setAttribute("role", "status");
  const log = el("div", "cv-chat-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  const typing = el("div", "cv-typing");
  const error = el("div", "cv-error");
  error.setAttribute("role", "alert");
  const quick = el("div", "cv-quick");
  const form = el("form", "cv-compose");
  const input = el("textarea");
  input.placeholder = t("chat.placeholder");
  input.setAttribute("aria-label", t("chat.placeholder"));
  input.rows = 1;
  const file = el("input");
  file.type = "file";
  file.accept = "image/png,image/jpeg,image/gif,image/webp";
  file.hidden = true;
  const attach = el("button", "cv-attach");
  // An inline icon: no font on the customer's machine is guaranteed to have an emoji.
  attach.innerHTML =
    '<svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12.5l-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l9-9a3.7 3.7 0 0 1 5.2 5.2l-9 9a1.8 1.8 0 0 1-2.6-2.6l8.3-8.3"/></svg>';
  attach.type = "button";
  attach.title = t("chat.attach");
  attach.setAttribute("aria-label", t("chat.attach"));
  const send = el("button", "primary", t("chat.send"));
  send.type = "submit";
  form.append(input, file, attach, send);
  root.append(status, log, typing, error, quick, form);
  container.appendChild(root);

  let unread = 0;
  let typingTimer: number | undefined;
  const controller: ChatController = {
    client: undefined as unknown as ChatClient,
    markRead() {
      unread = 0;
      controller.onUnread?.(0);
    },
    close() {
      controller.client.close();
      root.remove();
    },
  };

  const modality = (m: string | undefined) => t(`chat.modality.${m ?? "video"}`);
  const render = (m: ChatMessage): void => {
    const mine = m.sender_id === controller.client.selfId;
    if (m.sender === "system") {
      const data = m.data ?? {};
      const text = t(`chat.event.${m.event}`, { ...data, modality: modality(data.modality) });
      if (m.event === "upgrade_offer" && opts.role === "customer") {
        const card = el("div", "cv-card");
        card.setAttribute("role", "group");
        card.append(el("p", "", text));
        const yes = el("button", "primary", t("chat.upgrade.accept"));
        const no = el("button", "", t("chat.upgrade.decline"));
        const answer = async (accept: boolean) => {
          yes.disabled = no.disabled = true;
          opts.onConsent?.(data.modality ?? "video", accept, text);
          const ack = await controller.client.emit("upgrade-response", { offer_id: data.offer_id, accept });
          if (!ack.ok) error.textContent = t("chat.error.send", { reason: ack.error?.message ?? "" });
        };
        yes.onclick = () => void answer(true);
        no.onclick = () => void answer(false);
        card.append(yes, no);
        log.append(card);
      } else {
        log.append(el("div", "cv-sys", text));
      }
      if (m.event === "upgrade_accepted") opts.onUpgrade?.(data.modality ?? "video", data);
    } else {
      const bubble = el("div", `cv-msg${mine ? " mine" : ""}${m.sender === "bot" ? " bot" : ""}`);
      bubble.append(el("span", "cv-who", mine ? t("chat.you") : m.sender_name));
      if (m.text) bubble.append(document.createTextNode(m.text));
      const src = m.attachment ? safeImageSrc(m.attachment.data_url) : null;
      if (m.attachment && src) {
        const img = el("img");
        img.src = src;
        img.alt = m.attachment.name;
        bubble.append(img);
      }
      bubble.dataset.seq = String(m.seq);
      log.append(bubble);
      if (!mine && (document.hidden || !root.contains(document.activeElement))) {
        unread += 1;
        controller.onUnread?.(unread);
      }
    }
    log.scrollTop = log.scrollHeight;
  };

  controller.client = new ChatClient(opts.baseUrl ?? "", opts.token, opts.conversationId, {
    message: render,
    typing(from, isTyping) {
      typing.textContent = isTyping ? t("chat.typing", { name: from.name }) : "";
    },
    conversation(c) {
      const closed = c.state === "closed";
      input.disabled = send.disabled = attach.disabled = closed;
      if (closed) typing.textContent = t("chat.closed");
      opts.onConversation?.(c);
    },
    connection(state) {
      status.hidden = state === "connected";
    },
  });

  if (opts.role === "customer") {
    const person = el("button", "", t("chat.ask_person"));
    person.type = "button";
    person.onclick = () => void controller.client.emit("request-agent", {});
    const show = el("button", "", t("chat.show_me"));
    show.type = "button";
    show.onclick = () => void controller.client.emit("upgrade-request", { modality: "video" });
    quick.append(person, show);
  }

  const submit = async (payload: { text?: string; attachment?: { name: string; data_url: string } }) => {
    error.textContent = "";
    try {
      await controller.client.send(payload);
    } catch (exc) {
      error.textContent = t("chat.error.send", { reason: (exc as Error).message });
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    controller.client.typing(false);
    void submit({ text });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    controller.client.typing(true);
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => controller.client.typing(false), 2000);
  });
  input.addEventListener("focus", () => controller.markRead());
  attach.onclick = () => file.click();
  file.onchange = async () => {
    const chosen = file.files?.[0];
    file.value = "";
    if (chosen) await submit({ attachment: await readImage(chosen) });
  };
  return controller;
}
