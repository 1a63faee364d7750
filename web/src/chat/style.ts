// Styles of the chat panel, injected into the panel's root (document or shadow root).
export const CHAT_CSS = `
.cv-chat { display: flex; flex-direction: column; height: 100%; min-height: 320px; font: 14px/1.4 system-ui, sans-serif; color: #1c2430; background: #fff; }
.cv-chat-log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f8fb; }
.cv-msg { max-width: 80%; padding: 8px 12px; border-radius: 14px; background: #fff; border: 1px solid #dde3ea; align-self: flex-start; white-space: pre-wrap; overflow-wrap: anywhere; }
.cv-msg.mine { align-self: flex-end; background: #0f6fde; color: #fff; border-color: #0f6fde; }
.cv-msg.bot { background: #eef3ff; }
.cv-msg .cv-who { display: block; font-size: 12px; font-weight: 600; opacity: .75; margin-bottom: 2px; }
.cv-msg img { display: block; max-width: 220px; max-height: 220px; border-radius: 8px; margin-top: 4px; }
.cv-sys { align-self: center; font-size: 12px; color: #5b6776; text-align: center; }
.cv-card { align-self: stretch; border: 1px solid #0f6fde; border-radius: 12px; padding: 10px 12px; background: #fff; }
.cv-card p { margin: 0 0 8px; }
.cv-card button { margin-right: 8px; }
.cv-typing { min-height: 18px; padding: 0 12px; font-size: 12px; color: #5b6776; }
.cv-chat-status { padding: 4px 12px; font-size: 12px; color: #a15c00; background: #fff4e0; }
.cv-chat-status[hidden] { display: none; }
.cv-quick { display: flex; gap: 6px; padding: 6px 12px 0; flex-wrap: wrap; }
.cv-compose { display: flex; gap: 6px; padding: 8px 12px 12px; border-top: 1px solid #dde3ea; }
.cv-compose textarea { flex: 1; resize: none; min-height: 38px; max-height: 120px; padding: 8px; border: 1px solid #c9d2dc; border-radius: 10px; font: inherit; }
.cv-chat button { font: inherit; border-radius: 10px; border: 1px solid #c9d2dc; background: #fff; padding: 6px 12px; cursor: pointer; color: #1c2430; }
.cv-chat button.primary { background: #0f6fde; border-color: #0f6fde; color: #fff; }
.cv-chat button:focus-visible, .cv-chat textarea:focus-visible { outline: 3px solid #9cc4f5; outline-offset: 1px; }
.cv-error { color: #c0392b; font-size: 12px; padding: 0 12px; }
`;
