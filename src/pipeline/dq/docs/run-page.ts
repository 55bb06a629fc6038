// The page of one data-quality run (`runs/<runId>.html`): a summary header, then each suite
// on its table with every expectation's arguments, observed vs expected, counts, sample
// failing rows and its trend over the earlier runs. Everything from data goes through
// escape.ts; the page has no script (a CSS-only "failed only" filter).
import type { DqRun, ExpectationOutcome } from '../model.js';
import {
  countText,
  durationText,
  isoTime,
  percentText,
  timeText,
  valueHtml,
  visibleText,
} from './escape.js';
import {
  MAX_HISTORY,
  expectationKey,
  expectationSeries,
  indexOutcomes,
  layoutRun,
  seriesCounts,
  summarizeRun,
  type SuiteGroup,
} from './layout.js';
import { htmlDocument, severityBadge, statusBadge } from './page.js';
import { lineChart } from './svg.js';

/** Failing rows shown per expectation; the evaluator keeps "a few", this bounds hostile input. */
const MAX_SAMPLE_ROWS = 20;
/** Columns shown in a sample table; the rest are counted. */
const MAX_SAMPLE_COLUMNS = 30;
/** Characters shown of one sample value, argument or observed value. */
const CELL_LIMIT = 200;
const NAME_LIMIT = 120;
const MAX_KWARGS = 50;

/** Text of a name (suite, table, id, type): inert, cut to a readable length. */
function name(value: unknown): string {
  return valueHtml(typeof value === 'string' ? value : String(value), NAME_LIMIT);
}

function timeHtml(iso: string): string {
  const utc = isoTime(iso);
  const text = visibleText(timeText(iso));
  return utc === undefined ? text : `<time datetime="${utc}">${text}</time>`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kwargsTable(o: ExpectationOutcome): string {
  const kwargs: unknown = o.kwargs;
  if (!isRecord(kwargs)) return `<p>Arguments: ${valueHtml(kwargs, CELL_LIMIT)}</p>`;
  const keys = Object.keys(kwargs);
  if (keys.length === 0) return '<p class="muted">No arguments.</p>';
  const rows = keys
    .slice(0, MAX_KWARGS)
    .map(
      (k) =>
        `<tr><th scope="row"><code>${valueHtml(k, 64)}</code></th>` +
        `<td><code>${valueHtml(kwargs[k], CELL_LIMIT)}</code></td></tr>`,
    );
  const more =
    keys.length > MAX_KWARGS
      ? `<tr><td colspan="2" class="muted">${countText(keys.length - MAX_KWARGS)} more arguments not shown</td></tr>`
      : '';
  return (
    '<table class="kwargs"><caption>Arguments</caption>' +
    '<thead><tr><th scope="col">Argument</th><th scope="col">Value</th></tr></thead>' +
    `<tbody>${rows.join('')}${more}</tbody></table>`
  );
}

/** The sample failing rows as a table whose columns are the union of the rows' keys. */
function sampleTable(o: ExpectationOutcome): string {
  const rows: readonly unknown[] = Array.isArray(o.sample) ? o.sample : [];
  if (rows.length === 0) {
    return o.success ? '' : '<p class="muted">No sample failing rows were recorded.</p>';
  }
  const shown = rows.slice(0, MAX_SAMPLE_ROWS);
  // Columns in order of first appearance; own keys only (a row lacking "constructor" must not
  // show Object.prototype.constructor).
  const columns = new Set<string>();
  let nonObjectRows = false;
  for (const row of shown) {
    if (isRecord(row)) for (const key of Object.keys(row)) columns.add(key);
    else nonObjectRows = true;
  }
  const allColumns = [...columns];
  const visible = allColumns.slice(0, MAX_SAMPLE_COLUMNS);
  const head = visible.map((c) => `<th scope="col"><code>${valueHtml(c, 64)}</code></th>`);
  if (nonObjectRows) head.push('<th scope="col">(row value)</th>');
  const body = shown.map((row) => {
    const cells = visible.map((c) =>
      isRecord(row) && Object.hasOwn(row, c)
        ? `<td><div>${valueHtml(row[c], CELL_LIMIT)}</div></td>`
        : '<td class="absent">(absent)</td>',
    );
    if (nonObjectRows) {
      cells.push(
        isRecord(row)
          ? '<td class="absent">(absent)</td>'
          : `<td><div>${valueHtml(row, CELL_LIMIT)}</div></td>`,
      );
    }
    return `<tr>${cells.join('')}</tr>`;
  });
  const unexpected = typeof o.unexpectedCount === 'number' ? o.unexpectedCount : NaN;
  const of =
    Number.isFinite(unexpected) && unexpected > 0 ? ` of ${countText(unexpected)} failing` : '';
  const notes: string[] = [];
  if (rows.length > shown.length)
    notes.push(`${countText(rows.length - shown.length)} more sample rows not shown`);
  if (allColumns.length > visible.length) {
    notes.push(`${countText(allColumns.length - visible.length)} more columns not shown`);
  }
  const note = notes.length === 0 ? '' : `<p class="muted">${notes.join('; ')}.</p>`;
  return (
    '<div class="scroll"><table class="sample">' +
    `<caption>Sample failing rows (${countText(shown.length)} shown${of})</caption>` +
    `<thead><tr>${head.join('')}</tr></thead><tbody>${body.join('')}</tbody></table></div>${note}`
  );
}

function trendHtml(
  o: ExpectationOutcome,
  runsOldestFirst: readonly DqRun[],
  indexes: ReadonlyMap<DqRun, ReadonlyMap<string, ExpectationOutcome>>,
): string {
  const points = expectationSeries(expectationKey(o), runsOldestFirst, indexes);
  const { present, failed } = seriesCounts(points);
  const chart = lineChart(points, {
    width: 180,
    height: 36,
    title: `Unexpected percent over the last ${points.length} runs, oldest first`,
  });
  return (
    `<div class="trend">${chart}<span>Failed in ${countText(failed)} of ${countText(present)} ` +
    `run${present === 1 ? '' : 's'} (oldest on the left; ✗ marks a failure).</span></div>`
  );
}

function fact(term: string, html: string): string {
  return `<dt>${term}</dt><dd>${html}</dd>`;
}

function expectationArticle(
  placed: { outcome: ExpectationOutcome; anchor: string },
  runsOldestFirst: readonly DqRun[],
  indexes: ReadonlyMap<DqRun, ReadonlyMap<string, ExpectationOutcome>>,
): string {
  const o = placed.outcome;
  const ok = o.success === true;
  const facts = [
    fact('Status', statusBadge(ok)),
    fact('Type', `<code>${name(o.type)}</code>`),
    fact('Severity', severityBadge(o.severity)),
    fact('Scope', name(o.scope)),
    fact('Expected', valueHtml(o.expected, CELL_LIMIT * 2)),
    fact('Observed', `<code>${valueHtml(o.observed, CELL_LIMIT * 2)}</code>`),
    fact('Rows evaluated', countText(o.elementCount)),
    fact(
      'Unexpected',
      `${countText(o.unexpectedCount)} rows (${percentText(o.unexpectedPercent)})`,
    ),
    fact('Quarantined', `${countText(o.quarantined)} rows`),
    fact('Duration', durationText(o.millis)),
  ];
  if (o.description !== undefined && o.description !== '') {
    facts.push(fact('Description', valueHtml(o.description, CELL_LIMIT * 2)));
  }
  return (
    `<article class="exp ${ok ? 'pass' : 'fail'}" id="${placed.anchor}" aria-labelledby="${placed.anchor}-h">` +
    `<h3 id="${placed.anchor}-h">${statusBadge(ok)} <code>${name(o.id)}</code></h3>` +
    `<dl class="facts">${facts.join('')}</dl>` +
    kwargsTable(o) +
    `<h4>Trend</h4>${trendHtml(o, runsOldestFirst, indexes)}` +
    sampleTable(o) +
    '</article>'
  );
}

function versionsText(versions: readonly number[]): string {
  const shown = versions.map((v) => countText(v)).join(', ');
  return `${versions.length === 1 ? 'version' : 'versions'} ${shown}`;
}

function groupSection(
  group: SuiteGroup,
  runsOldestFirst: readonly DqRun[],
  indexes: ReadonlyMap<DqRun, ReadonlyMap<string, ExpectationOutcome>>,
): string {
  const passed = group.outcomes.filter((p) => p.outcome.success === true).length;
  const failed = group.outcomes.length - passed;
  const rows = group.outcomes.map(({ outcome: o, anchor }) => {
    const ok = o.success === true;
    return (
      `<tr class="${ok ? 'pass' : 'fail'}"><td>${statusBadge(ok)}</td>` +
      `<th scope="row"><a href="#${anchor}"><code>${name(o.id)}</code></a></th>` +
      `<td><code>${name(o.type)}</code></td><td>${severityBadge(o.severity)}</td>` +
      `<td>${name(o.scope)}</td><td class="n">${countText(o.elementCount)}</td>` +
      `<td class="n">${countText(o.unexpectedCount)}</td>` +
      `<td class="n">${percentText(o.unexpectedPercent)}</td>` +
      `<td class="n">${countText(o.quarantined)}</td><td class="n">${durationText(o.millis)}</td></tr>`
    );
  });
  const articles = group.outcomes.map((p) => expectationArticle(p, runsOldestFirst, indexes));
  return (
    `<section class="suite" id="${group.anchor}" aria-labelledby="${group.anchor}-h">` +
    `<h2 id="${group.anchor}-h">Suite <code>${name(group.suite)}</code> on table ` +
    `<code>${name(group.table)}</code> <span class="muted">(${versionsText(group.versions)})</span></h2>` +
    '<div class="scroll"><table class="overview">' +
    `<caption>${countText(group.outcomes.length)} expectations: ${countText(passed)} passed, ` +
    `${countText(failed)} failed</caption><thead><tr><th scope="col">Status</th>` +
    '<th scope="col">Expectation</th><th scope="col">Type</th><th scope="col">Severity</th>' +
    '<th scope="col">Scope</th><th scope="col" class="n">Rows</th>' +
    '<th scope="col" class="n">Unexpected</th><th scope="col" class="n">Unexpected %</th>' +
    '<th scope="col" class="n">Quarantined</th><th scope="col" class="n">Duration</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></div>${articles.join('')}</section>`
  );
}

/**
 * The HTML page of `run`. `history` holds earlier runs, newest first (the first
 * {@link MAX_HISTORY} are used, and a copy of `run` itself is ignored): each expectation's
 * trend is drawn over them and `run`. Pure and deterministic: the same input gives the same
 * bytes.
 */
export function renderRunPage(run: DqRun, history: readonly DqRun[]): string {
  const earlier = history.filter((r) => r.runId !== run.runId).slice(0, MAX_HISTORY);
  const runsOldestFirst = [...earlier].reverse();
  runsOldestFirst.push(run);
  const indexes = new Map(runsOldestFirst.map((r) => [r, indexOutcomes(r)] as const));
  const s = summarizeRun(run);
  const groups = layoutRun(run);

  let banner: string;
  if (run.stopped) {
    banner =
      `<p class="banner fail">Stopped: ${countText(s.criticalFailed)} critical ` +
      `expectation${s.criticalFailed === 1 ? '' : 's'} failed, so the pipeline run stopped.</p>`;
  } else if (s.failed > 0) {
    banner = `<p class="banner fail">${countText(s.failed)} of ${countText(s.total)} expectations failed.</p>`;
  } else if (s.total === 0) {
    banner = '<p class="banner pass">This run evaluated no expectations.</p>';
  } else {
    banner = `<p class="banner pass">All ${countText(s.total)} expectations passed.</p>`;
  }

  const facts = [
    fact('Run id', `<code>${valueHtml(run.runId, 64)}</code>`),
    fact('Started', timeHtml(run.startedAt)),
    fact('Expectations', countText(s.total)),
    fact('Passed', countText(s.passed)),
    fact(
      'Failed',
      `${countText(s.failed)} (critical ${countText(s.criticalFailed)}, warning ${countText(s.warningFailed)})`,
    ),
    fact('Rows quarantined', countText(s.quarantined)),
    fact('Stopped', run.stopped ? 'Yes' : 'No'),
    fact('Evaluation time', durationText(s.millis)),
    fact('Trends over', `${countText(runsOldestFirst.length)} runs (this one and earlier)`),
  ];

  const suiteRows = groups.map((g) => {
    const passed = g.outcomes.filter((p) => p.outcome.success === true).length;
    return (
      `<tr><th scope="row"><a href="#${g.anchor}"><code>${name(g.suite)}</code></a></th>` +
      `<td><code>${name(g.table)}</code></td><td>${versionsText(g.versions)}</td>` +
      `<td class="n">${countText(g.outcomes.length)}</td><td class="n">${countText(passed)}</td>` +
      `<td class="n">${countText(g.outcomes.length - passed)}</td></tr>`
    );
  });
  const suites =
    groups.length === 0
      ? ''
      : '<nav aria-label="Suites"><div class="scroll"><table class="suites">' +
        '<caption>Suites in this run</caption><thead><tr><th scope="col">Suite</th>' +
        '<th scope="col">Table</th><th scope="col">Table version</th>' +
        '<th scope="col" class="n">Expectations</th><th scope="col" class="n">Passed</th>' +
        `<th scope="col" class="n">Failed</th></tr></thead><tbody>${suiteRows.join('')}</tbody>` +
        '</table></div></nav>' +
        '<p class="filter"><input type="checkbox" id="only-failed"> ' +
        '<label for="only-failed">Show failed expectations only</label></p>';

  const body =
    '<header><nav aria-label="Data docs"><a href="../index.html">← All runs</a></nav>' +
    `<h1>Data quality run ${timeHtml(run.startedAt)}</h1>${banner}` +
    `<dl class="facts">${facts.join('')}</dl></header>\n<main>${suites}` +
    groups.map((g) => groupSection(g, runsOldestFirst, indexes)).join('\n') +
    '</main>\n<footer>Pitwall data docs. Run ' +
    `<code>${valueHtml(run.runId, 64)}</code>.</footer>`;
  return htmlDocument(`Data quality run ${timeText(run.startedAt)}`, body);
}
