"""The pages' one stylesheet, inlined in each page: no external asset, so a page works offline.

Colours keep a contrast of at least 7:1 for text (WCAG AAA) and never carry meaning alone: every mark
also has words or a symbol. Printing drops the navigation, keeps table headers on each page, and sets the
calendars small enough for a landscape page.
"""

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1a1a1a; background: #ffffff; }
header.page, main { max-width: 1400px; margin: 0 auto; padding: 0 24px; }
header.page { padding-top: 16px; border-bottom: 3px solid #1d3f6e; }
header.page p { margin: 4px 0 12px; color: #333333; }
h1 { font-size: 1.6em; margin: 6px 0; color: #10294a; }
h2 { font-size: 1.3em; margin: 28px 0 8px; color: #10294a; border-bottom: 1px solid #c9d3e0; }
h3 { font-size: 1.1em; margin: 18px 0 6px; color: #10294a; }
a { color: #0b4a8f; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.nav { font-size: 0.9em; margin: 0; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #ffffff; padding: 4px; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; }
.verbatim { white-space: pre-line; }
table { border-collapse: collapse; margin: 6px 0 14px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #10294a; }
th, td { border: 1px solid #8c96a3; padding: 4px 6px; vertical-align: top; text-align: left; }
thead th { background: #e6ecf4; }
tbody th { background: #f4f6f9; font-weight: 600; }
.calendar { font-size: 12px; table-layout: fixed; min-width: 36em; }
.calendar.full { width: 100%; }
.calendar th:first-child { width: 11.5em; }
.calendar thead th.day { text-align: center; width: 5.2em; }
.calendar.full thead th.day { width: auto; }
.calendar td { text-align: center; padding: 2px 1px; font-size: 11px; overflow-wrap: break-word; }
.calendar td .missing { font-size: 10px; padding: 0; }
.calendar td.off { background: #fafafa; }
.calendar td.rest { background: #eeeeee; color: #333333; }
.calendar td.dose { background: #e3f0e3; }
.calendar td.dose.cond { background: #fff4d6; border-style: dashed; }
.calendar td.undated { text-align: left; }
.calendar .dose-amount { display: block; font-weight: 600; }
.calendar .route { display: block; font-size: 0.92em; }
.missing { color: #7a0d0d; background: #fdecec; font-style: italic; padding: 0 2px; }
.tag { display: inline-block; font-size: 0.8em; font-weight: 600; border: 1px solid #4b5563;
  border-radius: 3px; padding: 0 4px; margin: 1px 2px 1px 0; background: #ffffff; color: #1a1a1a; }
.tag.cond { border-style: dashed; }
.tag.only { border-width: 2px; }
.schedule { display: block; font-weight: normal; font-size: 0.92em; color: #333333; }
.legend { font-size: 0.9em; color: #333333; }
.criteria { width: 100%; }
.criteria td.text { max-width: 48em; }
mark { background: #fff0a0; color: #000000; padding: 0 1px; border-bottom: 2px solid #6b5800; }
.read { border-bottom: 2px dotted #444444; }
.code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; white-space: nowrap; }
ul.facts { margin: 0; padding-left: 1.1em; }
ul.facts li.or::before { content: "or "; font-weight: 700; }
.none { color: #333333; font-style: italic; }
tr.exclusion th { border-left: 4px solid #7a0d0d; }
tr.inclusion th { border-left: 4px solid #1d5c2e; }
.result-pass { color: #14532d; font-weight: 700; }
.result-fail { color: #7a0d0d; font-weight: 700; }
.result-unknown { color: #404040; }
td ul { margin: 0; padding-left: 1.1em; }
.severity-warning { color: #7a0d0d; font-weight: 600; }
.severity-error { color: #7a0d0d; font-weight: 700; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { font-size: 9pt; }
  header.page, main { max-width: none; padding: 0; }
  .nav, .skip { display: none; }
  h2 { break-after: avoid; }
  table { break-inside: auto; }
  tr, caption { break-inside: avoid; }
  thead { display: table-header-group; }
  .calendar { font-size: 6.5pt; }
  .calendar thead th.day { width: auto; }
  .calendar th:first-child { width: 14em; }
  .calendar td { padding: 1px; }
  a { color: #000000; text-decoration: none; }
  mark { background: #ffffff; border-bottom: 2px solid #000000; }
  td.dose, td.dose.cond, td.rest, td.off, thead th, tbody th { background: #ffffff; }
}
"""
