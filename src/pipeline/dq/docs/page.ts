// The shell shared by the data-docs pages: doctype, a Content-Security-Policy that forbids
// every script and outside resource (defence in depth behind escaping), and the inline
// stylesheet with light and dark themes (prefers-color-scheme). Text colours meet WCAG 2.2
// AA contrast (4.5:1) on their backgrounds in both themes.
import { attributeText, cut, visibleText } from './escape.js';

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa;
--pass-fg:#116329;--pass-bg:#dafbe1;--fail-fg:#a40e26;--fail-bg:#ffebe9;--warn-fg:#7a4a00;--warn-bg:#fff8c5;
--link:#0550ae;--chart:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--panel:#151b23;
--pass-fg:#56d364;--pass-bg:#0f2d1a;--fail-fg:#ff9492;--fail-bg:#3c1618;--warn-fg:#e3b341;--warn-bg:#2e2410;
--link:#4493f8;--chart:#4493f8}}
*{box-sizing:border-box}
body{margin:0;padding:1rem 1.5rem 3rem;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main,header,footer{max-width:80rem;margin:0 auto}
a{color:var(--link)}
a:focus-visible,input:focus-visible{outline:2px solid var(--link);outline-offset:2px}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:2rem 0 .5rem}h3{font-size:1rem;margin:0 0 .5rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.muted{color:var(--muted)}
table{border-collapse:collapse;margin:.25rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top;
max-width:28rem;overflow-wrap:anywhere}
thead th{background:var(--panel)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-weight:600;font-size:.85em;
white-space:nowrap;border:1px solid currentColor}
.badge.pass{color:var(--pass-fg);background:var(--pass-bg)}
.badge.fail{color:var(--fail-fg);background:var(--fail-bg)}
.badge.warning{color:var(--warn-fg);background:var(--warn-bg)}
.badge.critical{color:var(--fail-fg);background:var(--fail-bg)}
.banner{padding:.5rem .75rem;border-radius:.3rem;border:1px solid currentColor;font-weight:600}
.banner.fail{color:var(--fail-fg);background:var(--fail-bg)}
.banner.pass{color:var(--pass-fg);background:var(--pass-bg)}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem 1rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.exp{border:1px solid var(--line);border-radius:.4rem;padding:.75rem 1rem;margin:1rem 0;background:var(--panel)}
.exp.fail{border-left:.35rem solid var(--fail-fg)}
.exp.pass{border-left:.35rem solid var(--pass-fg)}
.v{unicode-bidi:isolate}
.v.special{color:var(--muted);font-style:italic}
.esc{color:var(--warn-fg);font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
.trunc{color:var(--muted);font-style:italic;white-space:nowrap}
td.absent{color:var(--muted)}
.sample td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
.sample td>div{max-height:9rem;overflow:auto}
svg.chart{display:block;overflow:visible}
svg .line{fill:none;stroke:var(--chart);stroke-width:1.5}
svg .base,svg .grid{stroke:var(--line);stroke-width:1}
svg .axis{fill:var(--muted);font-size:10px}
svg .pt.pass{fill:var(--pass-fg)}
svg .pt.fail{stroke:var(--fail-fg);stroke-width:2;fill:none}
.trend{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.filter{margin:1rem 0}
body:has(#only-failed:checked) .exp.pass,body:has(#only-failed:checked) tr.pass{display:none}
footer{margin-top:3rem;color:var(--muted);font-size:.85em}
@media print{.filter{display:none}}
`.trim();

/** A complete HTML document around `body`; `title` is plain text. */
export function htmlDocument(title: string, body: string): string {
  return (
    '<!DOCTYPE html>\n' +
    '<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">\n` +
    '<meta name="generator" content="Pitwall data docs">\n' +
    `<title>${attributeText(title)}</title>\n<style>\n${STYLE}\n</style>\n</head>\n<body>\n` +
    `${body}\n</body>\n</html>\n`
  );
}

/** A pass/fail badge: the word says it, the colour and symbol only repeat it. */
export function statusBadge(success: boolean): string {
  return success
    ? '<span class="badge pass"><span aria-hidden="true">✓ </span>PASS</span>'
    : '<span class="badge fail"><span aria-hidden="true">✗ </span>FAIL</span>';
}

export function severityBadge(severity: string): string {
  const known = severity === 'critical' || severity === 'warning';
  const text = visibleText(cut(String(severity), 32));
  return `<span class="badge ${known ? severity : 'warning'}">${text}</span>`;
}
