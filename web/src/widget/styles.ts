// Styles live inside the shadow root, so the host page cannot reach them and they cannot
// reach the host page. Sizes are in px: the host may change the root font size.
export const HOST_STYLE = [
  "all: initial !important",
  "position: fixed !important",
  "z-index: 2147483000 !important",
  "width: 0 !important",
  "height: 0 !important",
  "display: block !important",
  "margin: 0 !important",
  "padding: 0 !important",
  "border: 0 !important",
  "overflow: visible !important",
  "contain: layout style !important",
].join(";");

export const CSS = `
/* The host's corner (top/bottom, left/right) is set on it by the widget (placement.ts). */
:host { all: initial !important; position: fixed !important;
  width: 0 !important; height: 0 !important; display: block !important; z-index: 2147483000 !important; }
.cv, .cv * { box-sizing: border-box; }
.cv { --brand: #0f6fde; --brand-dark: #0b56ad; --ink: #17202b; --muted: #5b6776; --line: #e1e6ec;
  --soft: #f3f6fa; --ok: #14804a; --bad: #c0392b;
  position: fixed; right: 20px; bottom: 20px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); text-align: left; letter-spacing: normal; direction: ltr; }
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; color: inherit; }
button:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid #8fbcf3; outline-offset: 2px; }
.launcher { display: flex; align-items: center; gap: 10px; border: 0; border-radius: 999px; padding: 13px 20px 13px 16px;
  background: var(--brand); color: #fff; font-weight: 600; font-size: 15px;
  box-shadow: 0 8px 24px rgba(15, 40, 80, .28); transition: transform .15s ease, background .15s; }
.launcher:hover { background: var(--brand-dark); transform: translateY(-1px); }
.launcher svg { width: 22px; height: 22px; flex: none; }
.launcher .dot { width: 9px; height: 9px; border-radius: 50%; background: #58e08e; box-shadow: 0 0 0 3px rgba(88,224,142,.3); }
.panel { position: absolute; right: 0; bottom: 0; width: 370px; max-height: min(640px, calc(100vh - 40px));
  display: flex; flex-direction: column; background: #fff; border-radius: 16px; overflow: hidden;
  box-shadow: 0 18px 50px rgba(15, 30, 60, .3), 0 0 0 1px rgba(15, 30, 60, .06); }
.panel.wide { width: 420px; }
.panel.invite { bottom: 64px; width: 330px; max-width: calc(100vw - 40px); }
.panel.invite .row { flex-wrap: wrap; }
.head { display: flex; align-items: center; gap: 10px; padding: 14px 14px 14px 18px; background: var(--brand); color: #fff; }
.head h2 { font-size: 16px; margin: 0; flex: 1; font-weight: 650; line-height: 1.3; }
.head .iconbtn { background: rgba(255,255,255,.16); border: 0; color: #fff; width: 32px; height: 32px; border-radius: 8px;
  display: grid; place-items: center; font-size: 18px; line-height: 1; }
.head .iconbtn:hover { background: rgba(255,255,255,.28); }
.body { padding: 16px 18px 18px; overflow-y: auto; display: flex; flex-direction: column; gap: 12px; }
.lead { color: var(--muted); margin: 0; }
.choices { display: grid; gap: 8px; margin: 0; padding: 0; list-style: none; }
.choice { width: 100%; display: grid; grid-template-columns: 40px 1fr; gap: 2px 12px; align-items: center; text-align: left;
  border: 1px solid var(--line); background: #fff; border-radius: 12px; padding: 12px; }
.choice:hover { border-color: var(--brand); background: #f5f9ff; }
.choice .ic { grid-row: span 2; width: 40px; height: 40px; border-radius: 10px; background: #e8f1fd; color: var(--brand);
  display: grid; place-items: center; }
.choice .ic svg { width: 22px; height: 22px; }
.choice strong { font-size: 15px; }
.choice small { color: var(--muted); font-size: 12.5px; line-height: 1.35; }
.eta { font-size: 12.5px; color: var(--muted); margin: 0; }
.primary, .secondary, .danger { border-radius: 10px; padding: 10px 16px; font-weight: 600; border: 1px solid transparent; }
.primary { background: var(--brand); color: #fff; }
.primary:hover { background: var(--brand-dark); }
.secondary { background: #fff; border-color: var(--line); color: var(--ink); }
.secondary:hover { background: var(--soft); }
.danger { background: #fff; border-color: #f0c6c0; color: var(--bad); }
.danger:hover { background: #fdf1ef; }
.row { display: flex; gap: 8px; justify-content: flex-end; flex-wrap: wrap; }
.waiting { text-align: center; padding: 8px 0; display: grid; gap: 10px; justify-items: center; }
.spinner { width: 54px; height: 54px; border-radius: 50%; border: 5px solid #dbe8f9; border-top-color: var(--brand);
  animation: spin 1s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation: none; } }
.big { font-size: 17px; font-weight: 650; margin: 0; }
.muted { color: var(--muted); margin: 0; font-size: 13px; }
.slot { border-radius: 12px; background: var(--soft); border: 1px solid var(--line); min-height: 56px; }
.body > * { flex-shrink: 0; } /* the body scrolls; its parts keep their size */
.slot.chat { height: 360px; display: flex; overflow: hidden; background: #fff; }
.slot.call ~ .slot.chat { height: 300px; }
.slot.chat > .cv-chat { flex: 1; min-height: 0; }
.slot.chat > .placeholder { margin: auto; }
.slot.call { min-height: 200px; background: #101722; color: #c9d4e3; display: grid; place-items: center; overflow: hidden; position: relative; }
.slot.call > .placeholder { padding: 18px; text-align: center; }
.slot.call:has(.cv-call) { display: block; background: transparent; color: var(--ink); border: 0; overflow: visible; min-height: 0; }
.slot.call .cv-stage { aspect-ratio: 4 / 3; min-height: 0; border-radius: 12px; }
.slot.call .cv-controls { padding: 0; gap: 6px; }
.slot.call .cv-btn { flex: 1 1 auto; min-height: 40px; padding: 6px 10px; font-size: 13px; }
.slot.call .cv-end { display: none; }
.slot.call .cv-info { padding: 0; font-size: 12px; }
.slot.call .cv-devices { display: none; }
.slot.cobrowse { padding: 10px 12px; display: flex; gap: 10px; align-items: center; font-size: 13px; }
.slot.cobrowse .live { width: 10px; height: 10px; border-radius: 50%; background: #e0413a; flex: none; box-shadow: 0 0 0 3px rgba(224,65,58,.25); }
.banner { display: flex; gap: 10px; align-items: center; justify-content: space-between; background: #fff6e0; border: 1px solid #f3d58e;
  border-radius: 10px; padding: 8px 10px; font-size: 13px; }
.banner.rec { justify-content: flex-start; background: #fdecea; border-color: #f5c2bd; margin: 0; }
.banner.rec .live { width: 10px; height: 10px; border-radius: 50%; background: #e0413a; flex: none; }
.agent { display: flex; gap: 10px; align-items: center; }
.avatar { width: 36px; height: 36px; border-radius: 50%; background: #e8f1fd; color: var(--brand); display: grid; place-items: center; font-weight: 700; }
.overlay { position: absolute; inset: 0; background: rgba(16, 24, 36, .5); display: flex; align-items: flex-end; }
.sheet { background: #fff; width: 100%; padding: 18px; border-radius: 16px 16px 0 0; display: grid; gap: 10px; }
.sheet h3 { margin: 0; font-size: 16px; }
.sheet p { margin: 0; color: var(--muted); }
.stars { display: flex; gap: 4px; justify-content: center; border: 0; padding: 0; margin: 0; }
.stars legend { font-weight: 650; text-align: center; width: 100%; margin-bottom: 8px; font-size: 15px; padding: 0; }
.stars label { cursor: pointer; font-size: 34px; line-height: 1; color: #cfd6df; padding: 2px; border-radius: 6px; }
.stars input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.stars label.on { color: #f5a623; }
.stars input:focus-visible + span { outline: 3px solid #8fbcf3; border-radius: 6px; }
textarea { width: 100%; min-height: 70px; resize: vertical; font: inherit; padding: 9px 11px; border: 1px solid var(--line); border-radius: 10px; color: var(--ink); background: #fff; }
form.callback { display: grid; gap: 10px; }
form.callback p { margin: 0; }
form.callback input { width: 100%; font: inherit; padding: 9px 11px; border: 1px solid var(--line); border-radius: 10px; color: var(--ink); background: #fff; }
form.callback textarea { min-height: 56px; }
.launcher.callback { background: #fff; color: var(--brand, #0f6fde); border: 1px solid currentColor; }
.field { display: grid; gap: 4px; font-size: 13px; color: var(--muted); }
.note { font-size: 13px; margin: 0; min-height: 1em; color: var(--bad); }
.done { text-align: center; display: grid; gap: 8px; justify-items: center; padding: 10px 0; }
.check { width: 52px; height: 52px; border-radius: 50%; background: #dff3e8; color: var(--ok); display: grid; place-items: center; font-size: 26px; }
.powered { text-align: center; font-size: 11px; color: #9aa5b2; padding: 0 0 10px; }
/* The corner the customer chose (or the panel moved to, out of the agent's way). */
.cv.pos-bl, .cv.pos-tl { right: auto; left: 20px; }
.cv.pos-tr, .cv.pos-tl { bottom: auto; top: 20px; }
.cv.pos-bl .panel, .cv.pos-tl .panel { right: auto; left: 0; }
.cv.pos-tr .panel, .cv.pos-tl .panel { bottom: auto; top: 0; }
.head .iconbtn.small { width: 28px; height: 28px; font-size: 15px; }
.head.dragging { cursor: grabbing; }
.panel.dragging { transition: none; opacity: .92; }
/* The compact bar: the agent's video and the header, nothing else. */
.panel.compact, .panel.compact.wide { width: 240px; }
.panel.compact .head { padding: 8px 8px 8px 12px; gap: 6px; }
.panel.compact .head h2 { font-size: 13px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.panel.compact .body { padding: 6px; gap: 6px; }
.panel.compact .body > :not(.slot.call, .banner.rec) { display: none; }
.panel.compact .slot.call .cv-stage { aspect-ratio: 16 / 10; border-radius: 8px; }
.panel.compact .slot.call :is(.cv-local, .cv-controls, .cv-info, .cv-tools) { display: none; }
@media (max-width: 520px) {
  .cv, .cv.pos-bl, .cv.pos-tl { right: 12px; left: auto; }
  .cv.open { right: 0; bottom: 0; left: 0; }
  .cv.open.pos-tr, .cv.open.pos-tl { top: 0; bottom: auto; }
  .panel, .panel.wide { position: fixed; left: 0; right: 0; bottom: 0; width: 100vw; max-height: 92vh; border-radius: 16px 16px 0 0; }
  .cv.pos-tr .panel, .cv.pos-tl .panel { top: 0; bottom: auto; border-radius: 0 0 16px 16px; }
  .panel.compact, .panel.compact.wide { width: 100vw; }
  .panel.compact .slot.call .cv-stage { aspect-ratio: auto; height: 22vh; }
}
`;
