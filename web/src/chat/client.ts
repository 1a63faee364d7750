// The /chat Socket.IO client: joins a conversation, keeps messages in seq order, and on
// every reconnect rejoins with the last seq it has, so nothing is missed or doubled.
import { io, type Socket } from "socket.io-client";
import { honourDraining } from "../shared/draining";
import { isUnavailable, reconnectWhenUnavailable, RETRY_MS } from "../shared/socket";

export interface Attachment { name: string; content_type: string; data_url: string; size: number }
export interface ChatMessage {
  id: string; conversation_id: string; seq: number; sender: "customer" | "bot" | "agent" | "system";
  sender_id: string; sender_name: string; text?: string; attachment?: Attachment;
  event?: string; data?: Record<string, string>; at: string;
}
export interface Conversation { id: string; state: string; agent_name?: string | null; session_id: string; escalation_id?: string | null }
export interface Ack { ok: boolean; error?: { code: string; message: string }; [key: string]: unknown }

export interface ChatClientEvents {
  message(message: ChatMessage): void;
  typing(from: { id: string; name: string; kind: string }, typing: boolean): void;
  conversation(conversation: Conversation): void;
  connection(state: "connected" | "reconnecting"): void;
}

export class ChatClient {
  readonly socket: Socket;
  private lastSeq = 0;
  private joined = false;
  selfId = "";

  constructor(
    baseUrl: string,
    token: string,
    readonly conversationId: string,
    private readonly on: ChatClientEvents,
  ) {
    this.socket = io(`${baseUrl}/chat`, { transports: ["websocket"], auth: { token } });
    honourDraining(this.socket);
    this.socket.on("connect", () => void this.join());
    reconnectWhenUnavailable(this.socket);
    this.socket.on("disconnect", () => {
      this.joined = false;
      this.on.connection("reconnecting");
    });
    this.socket.on("message", (m: ChatMessage) => this.accept(m));
    this.socket.on("typing", (t: { conversation_id: string; from: { id: string; name: string; kind: string }; typing: boolean }) => {
      if (t.conversation_id === this.conversationId) this.on.typing(t.from, t.typing);
    });
    this.socket.on("conversation", (c: Conversation) => {
      if (c.id === this.conversationId) this.on.conversation(c);
    });
  }

  private async join(): Promise<void> {
    const ack: Ack = await this.socket.emitWithAck("join", {
      conversation_id: this.conversationId,
      after_seq: this.lastSeq,
    });
    if (isUnavailable(ack)) {
      setTimeout(() => { if (this.socket.connected && !this.joined) void this.join(); }, RETRY_MS);
      return;
    }
    if (!ack.ok) throw new Error(ack.error?.message ?? "join failed");
    this.joined = true;
    this.selfId = (ack.self as { id: string }).id;
    this.on.conversation(ack.conversation as Conversation);
    for (const m of ack.messages as ChatMessage[]) this.accept(m);
    this.on.connection("connected");
  }

  private accept(message: ChatMessage): void {
    if (message.conversation_id !== this.conversationId) return;
    if (message.seq <= this.lastSeq) return; // already shown (ack and broadcast may race)
    this.lastSeq = message.seq;
    this.on.message(message);
  }

  async send(payload: { text?: string; attachment?: { name: string; data_url: string } }): Promise<ChatMessage> {
    const ack: Ack = await this.socket.emitWithAck("message", {
      conversation_id: this.conversationId,
      client_id: crypto.randomUUID(),
      ...payload,
    });
    if (!ack.ok) throw new Error(ack.error?.message ?? "send failed");
    const message = ack.message as ChatMessage;
    this.accept(message);
    return message;
  }

  async emit(event: string, payload: Record<string, unknown>): Promise<Ack> {
    return this.socket.emitWithAck(event, { conversation_id: this.conversationId, ...payload });
  }

  typing(typing: boolean): void {
    if (this.joined) this.socket.emit("typing", { conversation_id: this.conversationId, typing });
  }

  close(): void {
    this.socket.disconnect();
  }
}
