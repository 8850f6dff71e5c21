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

/**
 * A day ("2026-05-04") or a time of day ("06:00 UTC"), each kept whole on its own: a line may break
 * between the two, so a table of instants still fits a narrow page.
 */
const DATE = /\d{4}-\d{2}-\d{2}|\d{2}:\d{2} UTC/g;
/** Elements whose content is not text a reader sees as markup. */
const RAW = /^<(\/?)(title|script|style)\b/i;

/**
 * `html` with every date in its text wrapped in `open` … `</span>`, so that a narrow screen never
 * breaks one at a hyphen ("2026-" on one line, "05-04" on the next). Text outside tags only: the title,
 * scripts, style sheets and attribute values (a link may hold a date) are left as they are. Escaped
 * text holds no `<`, so splitting at tags is exact.
 */
export function keepDatesWhole(html: string, open: string): string {
  let raw = false;
  return html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith("<")) {
        const tag = RAW.exec(part);
        if (tag) raw = tag[1] !== "/";
        return part;
      }
      return raw ? part : part.replace(DATE, (date) => `${open}${date}</span>`);
    })
    .join("");
}

/** The styles both emails use, inline. */
export const EMAIL_STYLE = {
  body: "margin:0;padding:16px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328",
  card: (maxWidth: number) =>
    `max-width:${maxWidth}px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;padding:16px`,
  h1: "font-size:18px;margin:0 0 8px 0",
  h2: "font-size:16px;margin:20px 0 8px 0;border-bottom:1px solid #d0d7de;padding-bottom:4px",
  cell: "padding:6px 4px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top;overflow-wrap:anywhere",
  /**
   * A command: one line each, never broken, scrolling sideways inside its own box on a narrow screen
   * rather than widening the email.
   */
  code: "display:block;margin:4px 0 0 0;padding:8px;background:#f6f8fa;border-radius:4px;font-family:Menlo,Consolas,monospace;font-size:12px;white-space:pre;overflow-x:auto;max-width:100%",
} as const;

/** The span that keeps a date on one line. */
const WHOLE = '<span style="white-space:nowrap">';

/** A whole email document: `content` (already HTML) in a card `maxWidth` pixels wide, its dates kept whole. */
export function emailDocument(title: string, content: string, maxWidth: number): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="${EMAIL_STYLE.body}"><div style="${EMAIL_STYLE.card(maxWidth)}">`,
    keepDatesWhole(content, WHOLE),
    "</div></body></html>",
  ].join("\n");
}
