// Canvas in the agent's view. The replay iframe is sandboxed without scripts, and a
// <canvas> in a document with scripting disabled renders its fallback content, not
// its bitmap: it laid out 0×0 although rrweb had drawn the customer's pixels into
// it (from the parent page). So each canvas gets an <img> child (fallback content is
// what shows) carrying the bitmap, refreshed while the view is open.

const IMG_CLASS = "coview-canvas-image";

/** Copy every canvas's bitmap into its fallback <img>; cheap when nothing changed. */
export function paintCanvases(doc: Document | null | undefined): void {
  if (!doc) return;
  for (const canvas of Array.from(doc.querySelectorAll("canvas"))) {
    let img = canvas.querySelector<HTMLImageElement>(`img.${IMG_CLASS}`);
    if (!img) {
      img = doc.createElement("img");
      img.className = IMG_CLASS;
      img.alt = "";
      canvas.append(img);
    }
    const width = canvas.style.width || `${canvas.width}px`;
    const height = canvas.style.height || `${canvas.height}px`;
    img.style.cssText = `display:inline-block;width:${width};height:${height}`;
    let url: string;
    try {
      url = canvas.toDataURL();
    } catch {
      continue; // a tainted canvas: nothing to show
    }
    if (img.src !== url) img.src = url;
  }
}

/** Keep a replayer's canvases painted, about as often as they are recorded (1 fps). */
export function keepCanvasesPainted(doc: () => Document | null | undefined, everyMs = 1000): () => void {
  paintCanvases(doc());
  const timer = setInterval(() => paintCanvases(doc()), everyMs);
  return () => clearInterval(timer);
}
