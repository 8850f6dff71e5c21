/**
 * The HTML shell both of keyrotor's emails share (the owner's notice and the weekly digest): inline
 * styles only, as mail clients require, and one escaping of every outside word.
 */

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** The styles both emails use, inline. */
export const EMAIL_STYLE = {
  body: "margin:0;padding:16px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328",
  card: (maxWidth: number) =>
    `max-width:${maxWidth}px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;padding:16px`,
  h1: "font-size:18px;margin:0 0 8px 0",
  h2: "font-size:16px;margin:20px 0 8px 0;border-bottom:1px solid #d0d7de;padding-bottom:4px",
  cell: "padding:6px 4px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top;word-break:break-word",
} as const;

/** A whole email document: `content` (already HTML) in a card `maxWidth` pixels wide. */
export function emailDocument(title: string, content: string, maxWidth: number): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="${EMAIL_STYLE.body}"><div style="${EMAIL_STYLE.card(maxWidth)}">`,
    content,
    "</div></body></html>",
  ].join("\n");
}
