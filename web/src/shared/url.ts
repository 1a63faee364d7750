// The one place a link or media source built from someone else's value is checked.
// A customer, bot or integrator gives page URLs, callback pages and attachments; the
// server accepts only http(s) (or a /path) for them, and this is the second line: a
// `javascript:`, `vbscript:` or `data:text/html` value never reaches an href or a src.

export const WEB_SCHEMES: readonly string[] = ["http:", "https:"];
// What the app itself links to: its pages, object URLs it made, phone numbers.
export const APP_SCHEMES: readonly string[] = [...WEB_SCHEMES, "blob:", "tel:", "mailto:"];
const RASTER_DATA = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]*$/;

/** `value` as an absolute URL if its scheme is one of `schemes`, else null. */
export function safeUrl(value: unknown, schemes: readonly string[] = WEB_SCHEMES): string | null {
  if (typeof value !== "string" || !value.trim()) return null;
  try {
    const url = new URL(value.trim(), location.href);
    return schemes.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** An image source: http(s), or an inline PNG/JPEG/GIF/WebP (never SVG, which runs script). */
export function safeImageSrc(value: unknown): string | null {
  if (typeof value === "string" && RASTER_DATA.test(value)) return value;
  return safeUrl(value, [...WEB_SCHEMES, "blob:"]);
}
