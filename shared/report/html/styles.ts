/**
 * The report's one style sheet. It lives in a single `<style>` element whose hash the page's
 * Content-Security-Policy names, so no `style` attribute may be used anywhere: charts take their
 * colours from the classes below.
 */
export const STYLES = `
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--paper:#fff;--wash:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da}
*{box-sizing:border-box}
body{margin:0;background:var(--wash);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:20px 0 8px}
p{margin:4px 0 8px}
.muted,small{color:var(--muted)}
small{font-size:12px}
nav a{margin-right:16px;color:var(--info)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:var(--paper);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.card h3{margin:0;font-size:13px;font-weight:600;color:var(--muted)}
.big{display:block;font-size:28px;font-weight:700;line-height:1.2;font-variant-numeric:tabular-nums}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(400px,100%),1fr));gap:12px;margin-top:12px}
.charts figure:last-child{grid-column:1/-1}
figure{margin:0;background:var(--paper);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
figcaption{font-weight:600;margin-bottom:8px}
svg{display:block;max-width:100%;height:auto;font:13px system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
svg text{fill:var(--ink)}
svg .axis{stroke:var(--line)}
svg .bar-ok{fill:var(--ok)}svg .bar-warn{fill:#d4a72c}svg .bar-bad{fill:var(--bad)}svg .bar-info{fill:var(--info)}
svg .late-text{fill:var(--bad)}
svg .trend-line{fill:none;stroke:var(--info);stroke-width:2}
svg .trend-dot{fill:var(--info)}svg .trend-dot.carried{fill:var(--paper);stroke:var(--info);stroke-width:2}
table{width:100%;border-collapse:collapse;background:var(--paper);font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}
th{background:var(--wash);font-size:13px;position:sticky;top:0;z-index:1;overflow-wrap:normal;word-break:normal}
td.n,th.n{text-align:right}
td.n{white-space:nowrap}
table.accounts th:first-child{width:28%}
table.people th:nth-child(1){width:22%}table.people th:nth-child(2){width:16%}
table.people th:nth-child(4),table.people th:nth-child(5){width:11%}
tbody tr:hover{background:#f0f6ff}
th button{all:unset;cursor:pointer;font-weight:600}
th button::after{content:" ↕";color:var(--muted)}
th[aria-sort=ascending] button::after{content:" ↑";color:var(--ink)}
th[aria-sort=descending] button::after{content:" ↓";color:var(--ink)}
th button:focus-visible{outline:2px solid var(--info)}
details{margin:8px 0;background:var(--paper);border:1px solid var(--line);border-radius:8px}
details>summary{cursor:pointer;padding:8px 12px;font-weight:600}
details[open]>summary{border-bottom:1px solid var(--line)}
.kind{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid currentColor;margin-right:6px}
.error{color:var(--bad)}
.nowrap{white-space:nowrap}
code{white-space:nowrap;overflow-wrap:normal;font-size:.9em}
@media screen and (max-width:900px){
main{padding:12px}
.scroll{overflow-x:auto}
.scroll>table{min-width:640px}
.scroll>table.accounts{min-width:960px}
th{position:static}
}
@media print{
body{background:#fff;font-size:10pt}
main{max-width:none;padding:0}
nav{display:none}
.charts{grid-template-columns:1fr 1fr}
th{position:static}
thead{display:table-header-group}
tr,figure,.card{break-inside:avoid}
section+section{break-before:page}
details{border:0}
details::details-content{content-visibility:visible;display:block}
details>summary{list-style:none;padding:8px 0}
th button::after{content:none}
tbody tr:hover{background:none}
}
`.trim();
