// The data docs' front page (`index.html`): the overall pass rate across runs, every run
// (newest first) linking to its page, and each expectation's trend across the runs.
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
  expectationTrends,
  layoutRun,
  passRateSeries,
  runPagePath,
  seriesCounts,
  summarizeRun,
  type SuiteGroup,
} from './layout.js';
import { htmlDocument, statusBadge } from './page.js';
import { lineChart } from './svg.js';

const NAME_LIMIT = 120;

function name(value: unknown): string {
  return valueHtml(typeof value === 'string' ? value : String(value), NAME_LIMIT);
}

function timeHtml(iso: string): string {
  const utc = isoTime(iso);
  const text = visibleText(timeText(iso));
  return utc === undefined ? text : `<time datetime="${utc}">${text}</time>`;
}

function runsTable(runs: readonly DqRun[]): string {
  const rows = runs.map((run) => {
    const s = summarizeRun(run);
    const ok = s.failed === 0 && !run.stopped;
    const page = runPagePath(run.runId);
    const started =
      page === undefined
        ? `${timeHtml(run.startedAt)} <span class="muted">(no page: the run id is not a UUID)</span>`
        : `<a href="${page}">${timeHtml(run.startedAt)}</a>`;
    return (
      `<tr class="${ok ? 'pass' : 'fail'}"><th scope="row">${started}</th>` +
      `<td><code>${valueHtml(run.runId, 64)}</code></td><td>${statusBadge(ok)}</td>` +
      `<td class="n">${countText(s.total)}</td><td class="n">${countText(s.passed)}</td>` +
      `<td class="n">${countText(s.failed)}</td>` +
      `<td class="n">${s.passRate === undefined ? 'n/a' : percentText(s.passRate)}</td>` +
      `<td class="n">${countText(s.quarantined)}</td><td>${run.stopped ? 'Yes' : 'No'}</td>` +
      `<td class="n">${durationText(s.millis)}</td></tr>`
    );
  });
  return (
    '<div class="scroll"><table class="runs"><caption>All runs, newest first</caption>' +
    '<thead><tr><th scope="col">Started</th><th scope="col">Run id</th><th scope="col">Status</th>' +
    '<th scope="col" class="n">Expectations</th><th scope="col" class="n">Passed</th>' +
    '<th scope="col" class="n">Failed</th><th scope="col" class="n">Pass rate</th>' +
    '<th scope="col" class="n">Quarantined</th><th scope="col">Stopped</th>' +
    `<th scope="col" class="n">Duration</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

function anchorOf(groups: readonly SuiteGroup[], outcome: ExpectationOutcome): string | undefined {
  for (const g of groups) {
    for (const p of g.outcomes) if (p.outcome === outcome) return p.anchor;
  }
  return undefined;
}

function trendsTable(runs: readonly DqRun[]): string {
  const layouts = new Map<DqRun, SuiteGroup[]>();
  const rows = expectationTrends(runs).map((trend) => {
    const o = trend.latest;
    const ok = o.success === true;
    const { present, failed } = seriesCounts(trend.points);
    let layout = layouts.get(trend.latestRun);
    if (layout === undefined) {
      layout = layoutRun(trend.latestRun);
      layouts.set(trend.latestRun, layout);
    }
    const page = runPagePath(trend.latestRun.runId);
    const anchor = anchorOf(layout, o);
    const label = `<code>${name(trend.id)}</code>`;
    const link =
      page === undefined || anchor === undefined
        ? label
        : `<a href="${page}#${anchor}">${label}</a>`;
    const absent =
      trend.latestRun === runs[0] ? '' : ' <span class="muted">(not in the newest run)</span>';
    const chart = lineChart(trend.points, {
      width: 180,
      height: 36,
      title: `Unexpected percent over ${trend.points.length} runs, oldest first`,
    });
    return (
      `<tr class="${ok ? 'pass' : 'fail'}"><td><code>${name(trend.suite)}</code></td>` +
      `<th scope="row">${link}${absent}</th><td><code>${name(o.type)}</code></td>` +
      `<td>${statusBadge(ok)}</td><td class="n">${countText(o.unexpectedCount)} ` +
      `(${percentText(o.unexpectedPercent)})</td>` +
      `<td class="n">${countText(failed)} of ${countText(present)}</td><td>${chart}</td></tr>`
    );
  });
  return (
    '<div class="scroll"><table class="trends"><caption>Each expectation over the runs above ' +
    '(sparkline of unexpected percent, oldest run on the left, one mark per run that evaluated ' +
    'it: ● passed, ✗ failed)</caption><thead><tr><th scope="col">Suite</th>' +
    '<th scope="col">Expectation</th><th scope="col">Type</th><th scope="col">Latest</th>' +
    '<th scope="col" class="n">Latest unexpected</th><th scope="col" class="n">Failed runs</th>' +
    `<th scope="col">Trend</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

/**
 * The index page over `runs`, newest first (a repeated run id is listed once). Pure and
 * deterministic: the same runs give the same bytes.
 */
export function renderIndexPage(runs: readonly DqRun[]): string {
  const seen = new Set<string>();
  const unique: DqRun[] = [];
  for (const run of runs) {
    if (seen.has(run.runId)) continue;
    seen.add(run.runId);
    unique.push(run);
  }
  if (unique.length === 0) {
    return htmlDocument(
      'Data quality',
      '<header><h1>Data quality</h1></header><main><p>No data-quality runs yet.</p></main>',
    );
  }
  const newest = unique[0] as DqRun;
  const oldest = unique[unique.length - 1] as DqRun;
  const latest = summarizeRun(newest);
  const latestOk = latest.failed === 0 && !newest.stopped;
  const points = passRateSeries([...unique].reverse());
  const chart = lineChart(points, {
    width: 640,
    height: 180,
    max: 100,
    axes: true,
    title: `Pass rate of each run over ${unique.length} runs, oldest first`,
  });

  const body =
    '<header><h1>Data quality</h1>' +
    `<p>${countText(unique.length)} run${unique.length === 1 ? '' : 's'}, newest first. ` +
    `Latest run ${timeHtml(newest.startedAt)}: ${statusBadge(latestOk)} ` +
    `${countText(latest.passed)} of ${countText(latest.total)} expectations passed` +
    `${newest.stopped ? ', and the run was stopped' : ''}.</p></header>\n<main>` +
    '<section aria-labelledby="rate-h"><h2 id="rate-h">Pass rate over runs</h2>' +
    `<figure>${chart}<figcaption>Share of expectations that passed in each run, from ` +
    `${timeHtml(oldest.startedAt)} (left) to ${timeHtml(newest.startedAt)} (right); ` +
    '● all passed, ✗ some failed or the run stopped. Exact figures are in the table below.' +
    '</figcaption></figure></section>\n' +
    '<p class="filter"><input type="checkbox" id="only-failed"> ' +
    '<label for="only-failed">Show failing runs and expectations only</label></p>' +
    `<section aria-labelledby="runs-h"><h2 id="runs-h">Runs</h2>${runsTable(unique)}</section>\n` +
    '<section aria-labelledby="trends-h"><h2 id="trends-h">Expectation trends</h2>' +
    `${trendsTable(unique)}</section></main>\n<footer>Pitwall data docs.</footer>`;
  return htmlDocument('Data quality', body);
}
