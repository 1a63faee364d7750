// Where the widget's panel sits: one of the window's corners, chosen by the customer
// (dragging the panel's header, or the move button) or, when the agent points at
// something the panel covers, the nearest corner that leaves it in sight.
import type { Corner } from "./persist";

type Box = { left: number; top: number; right: number; bottom: number };

export const CORNERS: readonly Corner[] = ["br", "bl", "tr", "tl"];
const MARGIN = 20;
const PHONE = "(max-width: 520px)";

/** The next corner, clockwise, for the move button (on a phone, where the panel spans
 * the width, the other end of the screen). */
export function nextCorner(corner: Corner): Corner {
  if (matchMedia(PHONE).matches) return `${corner[0] === "t" ? "b" : "t"}${corner[1]}` as Corner;
  return ({ br: "bl", bl: "tl", tl: "tr", tr: "br" } as const)[corner];
}

/** The corner of the window nearest to a point (the dragged panel's centre). */
export function cornerAt(x: number, y: number): Corner {
  return `${y < innerHeight / 2 ? "t" : "b"}${x < innerWidth / 2 ? "l" : "r"}` as Corner;
}

function overlaps(a: Box, b: Box): boolean {
  return a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
}

/** The box a panel of this size takes in `corner` (on a phone it spans the width). */
function boxAt(corner: Corner, width: number, height: number): Box {
  const phone = matchMedia(PHONE).matches;
  const margin = phone ? 0 : MARGIN;
  const left = phone ? 0 : corner[1] === "l" ? margin : innerWidth - margin - width;
  const top = corner[0] === "t" ? margin : innerHeight - margin - height;
  return { left, top, right: left + (phone ? innerWidth : width), bottom: top + height };
}

/** A corner where the panel would not cover `target`; null when it does not cover it
 * now, or when no corner is free (nearest first: across, then up or down). */
export function cornerClearing(current: Corner, panel: DOMRectReadOnly, target: Box): Corner | null {
  const pad = 8;
  const around = { left: target.left - pad, top: target.top - pad, right: target.right + pad, bottom: target.bottom + pad };
  if (!overlaps(panel, around)) return null;
  const across = `${current[0]}${current[1] === "l" ? "r" : "l"}` as Corner;
  const upDown = `${current[0] === "t" ? "b" : "t"}${current[1]}` as Corner;
  const opposite = `${upDown[0]}${across[1]}` as Corner;
  return [across, upDown, opposite].find((c) => !overlaps(boxAt(c, panel.width, panel.height), around)) ?? null;
}

/** The host element sits, 0×0, in the chosen corner of the window. */
export function hostCorner(corner: Corner): string {
  const vertical = corner[0] === "t" ? "top: 0 !important" : "bottom: 0 !important";
  const horizontal = corner[1] === "l" ? "left: 0 !important" : "right: 0 !important";
  return `${vertical};${horizontal}`;
}
