// Data docs (src/pipeline/dq/docs): pages parsed back with parse5 (a maintained WHATWG HTML
// parser) to check structure, escaping of hostile telemetry, trends, links, determinism,
// atomic writes and run-id validation. Node only, no browser.
import assert from 'node:assert/strict';
import {
  lstat,
  mkdir,
  mkdtemp,
  open,
  readFile,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parse, type DefaultTreeAdapterTypes, type ParserError } from 'parse5';
import { ERROR_CODES, PitwallError } from '../../src/errors.js';
import {
  MAX_HISTORY,
  renderIndexPage,
  renderRunPage,
  writeDataDocs,
} from '../../src/pipeline/dq/docs/index.js';
import type { DqRun, ExpectationOutcome } from '../../src/pipeline/dq/model.js';

type Element = DefaultTreeAdapterTypes.Element;
type Node = DefaultTreeAdapterTypes.Node;
type Document = DefaultTreeAdapterTypes.Document;

/** A deterministic UUID for run number `n`. */
function runId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function outcome(over: Partial<ExpectationOutcome> = {}): ExpectationOutcome {
  return {
    id: 'rpm_in_range',
    suite: 'silver_telemetry',
    table: 'silver/telemetry',
    tableVersion: 7,
    type: 'expect_column_values_to_be_between',
    kwargs: { column: 'engine_rpm', min_value: 0, max_value: 9000, mostly: 1 },
    severity: 'warning',
    scope: 'row',
    success: true,
    observed: { unexpected_count: 0 },
    expected: '0 <= engine_rpm <= 9000 (mostly 1.0)',
    elementCount: 1000,
    unexpectedCount: 0,
    unexpectedPercent: 0,
    quarantined: 0,
    sample: [],
    millis: 12.5,
    ...over,
  };
}

/** Run `n` (started at minute `n` of a fixed day) with the given outcomes. */
function run(n: number, outcomes: readonly ExpectationOutcome[], stopped = false): DqRun {
  const minute = String(n % 60).padStart(2, '0');
  const hour = String(10 + Math.floor(n / 60)).padStart(2, '0');
  return { runId: runId(n), startedAt: `2024-05-01T${hour}:${minute}:00.000Z`, outcomes, stopped };
}

const HUGE_TAIL = '<script>tail()</script>';

/** Sample rows as hostile as telemetry gets. */
function hostileRows(): Record<string, unknown>[] {
  const first: Record<string, unknown> = {
    session_id: 'S-1',
    html: '<script>alert("pwned")</script>',
    attr: '" onmouseover="alert(1)" data-x=\'',
    huge: 'A'.repeat(200_000) + HUGE_TAIL,
    unicode: 'Zürich 🚗 日本語 \u202Eevil\u202C',
    control: 'a\u0000b\u0007c\nd\u001b[31m\u0085',
    nan: NaN,
    inf: Infinity,
    ninf: -Infinity,
    nested: {
      list: [1, { img: '<img src=x onerror=alert(2)>' }],
      deep: { a: { b: { c: { d: 1 } } } },
    },
    big: 12345678901234567890n,
    zalgo: `Z${'\u0301'.repeat(400)}end`,
    lone: '\ud800x',
    '<th onclick=x>key</th>': 'hostile column name',
    constructor: 'own constructor',
  };
  // Parsed JSON carries "__proto__" as an own key.
  const second = JSON.parse('{"session_id":"S-2","__proto__":"proto value","nan":null}') as Record<
    string,
    unknown
  >;
  return [first, second];
}

interface ParsedPage {
  readonly doc: Document;
  readonly errors: readonly ParserError[];
}

function parsePage(html: string): ParsedPage {
  const errors: ParserError[] = [];
  const doc = parse(html, { onParseError: (e) => errors.push(e) });
  return { doc, errors };
}

function childrenOf(node: Node): readonly Node[] {
  return 'childNodes' in node ? node.childNodes : [];
}

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

/** Every element under `node`, in document order. */
function elements(node: Node): Element[] {
  const out: Element[] = [];
  const walk = (n: Node): void => {
    for (const child of childrenOf(n)) {
      if (isElement(child)) out.push(child);
      walk(child);
    }
  };
  walk(node);
  return out;
}

function byTag(node: Node, tag: string): Element[] {
  return elements(node).filter((e) => e.tagName === tag);
}

function attr(el: Element, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name)?.value;
}

function hasClass(el: Element, cls: string): boolean {
  return (attr(el, 'class') ?? '').split(/\s+/).includes(cls);
}

function byClass(node: Node, cls: string): Element[] {
  return elements(node).filter((e) => hasClass(e, cls));
}

function byId(node: Node, id: string): Element | undefined {
  return elements(node).find((e) => attr(e, 'id') === id);
}

/** The text content of `node` (what a reader sees, entities decoded). */
function text(node: Node): string {
  if ('value' in node && node.nodeName === '#text') return node.value;
  return childrenOf(node).map(text).join('');
}

/** The element's direct `<td>`/`<th>` cells' text. */
function cells(row: Element): string[] {
  return row.childNodes
    .filter(isElement)
    .filter((c) => c.tagName === 'td' || c.tagName === 'th')
    .map(text);
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the tests

/** The first character that must never reach a page raw (controls, bidi overrides, lone surrogates). */
function forbiddenRaw(html: string): string | undefined {
  for (const ch of html) {
    const cp = ch.codePointAt(0) ?? 0;
    const control =
      (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || (cp >= 0x7f && cp <= 0x9f);
    const bidi = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    const surrogate = cp >= 0xd800 && cp <= 0xdfff; // for…of yields a pair as one code point
    if (control || bidi || surrogate || cp === 0xfeff) return `U+${cp.toString(16)}`;
  }
  return undefined;
}

/** Parses `html` and asserts what every page must satisfy; returns the document. */
function wellFormed(html: string): Document {
  const { doc, errors } = parsePage(html);
  assert.deepEqual(
    errors.map((e) => `${e.code} at ${e.startLine}:${e.startCol}`),
    [],
    'the HTML parser reports no error',
  );
  assert.ok(html.startsWith('<!DOCTYPE html>'), 'standards mode');
  assert.equal(forbiddenRaw(html), undefined, 'no raw control, bidi or surrogate character');
  const all = elements(doc);
  assert.deepEqual(
    all
      .filter((e) =>
        ['script', 'iframe', 'object', 'embed', 'img', 'link', 'base'].includes(e.tagName),
      )
      .map((e) => e.tagName),
    [],
    'no script, frame, image or outside resource',
  );
  for (const e of all) {
    for (const a of e.attrs) {
      assert.ok(!a.name.startsWith('on'), `no event-handler attribute (${e.tagName}[${a.name}])`);
      if (a.name === 'href') assert.ok(!/^\s*(javascript|data|https?):/i.test(a.value), a.value);
    }
  }
  // Every ids is unique, and every in-page link points at one.
  const ids = all.map((e) => attr(e, 'id')).filter((id) => id !== undefined);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const a of byTag(doc, 'a')) {
    const href = attr(a, 'href') ?? '';
    if (href.startsWith('#')) assert.ok(ids.includes(href.slice(1)), `anchor ${href} exists`);
  }
  // Tables have captions and header cells (semantic tables).
  for (const table of byTag(doc, 'table')) {
    assert.equal(byTag(table, 'caption').length, 1, 'every table has a caption');
    assert.ok(byTag(table, 'th').length > 0, 'every table has header cells');
  }
  return doc;
}

/** The `<article>` of the expectation whose heading shows `id`. */
function article(doc: Document, id: string): Element {
  const found = byTag(doc, 'article').find((a) => {
    const h3 = byTag(a, 'h3')[0];
    return h3 !== undefined && text(h3).endsWith(id);
  });
  assert.ok(found, `an article for expectation ${id}`);
  return found;
}

/** The `<dd>` after the `<dt>` named `term` inside `scope`. */
function factOf(scope: Element, term: string): string {
  const dts = byTag(scope, 'dt');
  const dt = dts.find((d) => text(d) === term);
  assert.ok(dt, `a fact named ${term}`);
  const siblings = dt.parentNode?.childNodes.filter(isElement) ?? [];
  const dd = siblings[siblings.indexOf(dt) + 1];
  assert.ok(dd !== undefined && dd.tagName === 'dd');
  return text(dd);
}

function tableWithCaption(scope: Node, startsWith: string): Element {
  const found = byTag(scope, 'table').find((t) => {
    const caption = byTag(t, 'caption')[0];
    return caption !== undefined && text(caption).startsWith(startsWith);
  });
  assert.ok(found, `a table captioned "${startsWith}…"`);
  return found;
}

function bodyRows(table: Element): Element[] {
  return byTag(table, 'tbody').flatMap((b) => b.childNodes.filter(isElement));
}

/** The chart's points: circles for passes, crosses for failures. */
function points(svg: Element): { pass: number; fail: number; total: number } {
  const pts = byClass(svg, 'pt');
  const pass = pts.filter((p) => hasClass(p, 'pass')).length;
  const fail = pts.filter((p) => hasClass(p, 'fail')).length;
  return { pass, fail, total: pts.length };
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-dq-docs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` (relative path → bytes). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else files.set(rel, await readFile(path.join(dir, rel), 'utf8'));
    }
  };
  await walk('');
  return files;
}

/** Follows every relative link of the page at `file`: the target file (and anchor) exists. */
async function assertLinksResolve(file: string): Promise<number> {
  const doc = wellFormed(await readFile(file, 'utf8'));
  let followed = 0;
  for (const a of byTag(doc, 'a')) {
    const href = attr(a, 'href') ?? '';
    if (href.startsWith('#')) continue;
    const [target = '', fragment] = href.split('#');
    const resolved = path.resolve(path.dirname(file), decodeURIComponent(target));
    const info = await stat(resolved).catch(() => undefined);
    assert.ok(info?.isFile(), `${href} from ${path.basename(file)} resolves to a file`);
    if (fragment !== undefined) {
      const targetDoc = parsePage(await readFile(resolved, 'utf8')).doc;
      assert.ok(byId(targetDoc, fragment), `${href}: anchor #${fragment} exists`);
    }
    followed += 1;
  }
  return followed;
}

// ---------------------------------------------------------------------------------------------
// A small history: `rpm` fails in runs 2 and 4 and is absent from run 3; `rows` is a critical
// table-level expectation that fails in run 4, which is stopped; `nulls` lives in a second suite.

const rpm = (n: number, fail: boolean): ExpectationOutcome =>
  outcome(
    fail
      ? {
          success: false,
          unexpectedCount: n * 10,
          unexpectedPercent: n,
          quarantined: n * 10,
          sample: [{ session_id: `S-${n}`, engine_rpm: -5 }],
          observed: { unexpected_count: n * 10 },
        }
      : {},
  );
const rows = (fail: boolean): ExpectationOutcome =>
  outcome({
    id: 'row_count',
    type: 'expect_table_row_count_to_be_between',
    kwargs: { min_value: 1000 },
    severity: 'critical',
    scope: 'table',
    success: !fail,
    observed: fail ? 12 : 5000,
    expected: '1000 <= row count',
    elementCount: 0,
  });
const nulls = outcome({
  id: 'session_not_null',
  suite: 'silver_sessions',
  table: 'silver/sessions',
  tableVersion: 3,
  type: 'expect_column_values_to_not_be_null',
  kwargs: { column: 'session_id' },
  elementCount: 40,
});

function historyRuns(): DqRun[] {
  return [
    run(1, [rpm(1, false), rows(false), nulls]),
    run(2, [rpm(2, true), rows(false), nulls]),
    run(3, [rows(false), nulls]),
    run(4, [rpm(4, true), rows(true), nulls], true),
  ];
}

// ---------------------------------------------------------------------------------------------

describe('data docs: run page', () => {
  test('shows every expectation grouped by suite and table, with its facts and counts', () => {
    const [r1, r2, r3, r4] = historyRuns() as [DqRun, DqRun, DqRun, DqRun];
    const doc = wellFormed(renderRunPage(r4, [r3, r2, r1]));

    const sections = byTag(doc, 'section');
    assert.deepEqual(
      sections.map((s) => text(byTag(s, 'h2')[0] as Element)),
      [
        'Suite silver_sessions on table silver/sessions (version 3)',
        'Suite silver_telemetry on table silver/telemetry (version 7)',
      ],
    );
    assert.deepEqual(
      byTag(doc, 'article').map((a) => text(byTag(a, 'h3')[0] as Element)),
      ['✓ PASS session_not_null', '✗ FAIL rpm_in_range', '✗ FAIL row_count'],
    );

    const rpmArticle = article(doc, 'rpm_in_range');
    assert.equal(factOf(rpmArticle, 'Status'), '✗ FAIL', 'pass/fail also as text');
    assert.equal(factOf(rpmArticle, 'Type'), 'expect_column_values_to_be_between');
    assert.equal(factOf(rpmArticle, 'Severity'), 'warning');
    assert.equal(factOf(rpmArticle, 'Scope'), 'row');
    assert.equal(factOf(rpmArticle, 'Expected'), '0 <= engine_rpm <= 9000 (mostly 1.0)');
    assert.equal(factOf(rpmArticle, 'Observed'), '{"unexpected_count": 40}');
    assert.equal(factOf(rpmArticle, 'Rows evaluated'), '1,000');
    assert.equal(factOf(rpmArticle, 'Unexpected'), '40 rows (4%)');
    assert.equal(factOf(rpmArticle, 'Quarantined'), '40 rows');
    assert.equal(factOf(rpmArticle, 'Duration'), '13 ms');
    const kwargs = tableWithCaption(rpmArticle, 'Arguments');
    assert.deepEqual(bodyRows(kwargs).map(cells), [
      ['column', 'engine_rpm'],
      ['min_value', '0'],
      ['max_value', '9000'],
      ['mostly', '1'],
    ]);
    const sample = tableWithCaption(rpmArticle, 'Sample failing rows');
    assert.equal(
      text(byTag(sample, 'caption')[0] as Element),
      'Sample failing rows (1 shown of 40 failing)',
    );
    assert.deepEqual(byTag(byTag(sample, 'thead')[0] as Element, 'th').map(text), [
      'session_id',
      'engine_rpm',
    ]);
    assert.deepEqual(bodyRows(sample).map(cells), [['S-4', '-5']]);

    // The overview table of the telemetry suite: one row per expectation, with counts.
    const overview = tableWithCaption(sections[1] as Element, '2 expectations');
    assert.equal(
      text(byTag(overview, 'caption')[0] as Element),
      '2 expectations: 0 passed, 2 failed',
    );
    assert.deepEqual(bodyRows(overview).map(cells), [
      [
        '✗ FAIL',
        'rpm_in_range',
        'expect_column_values_to_be_between',
        'warning',
        'row',
        '1,000',
        '40',
        '4%',
        '40',
        '13 ms',
      ],
      [
        '✗ FAIL',
        'row_count',
        'expect_table_row_count_to_be_between',
        'critical',
        'table',
        '0',
        '0',
        '0%',
        '0',
        '13 ms',
      ],
    ]);

    // Summary header: stopped, counts, link back to the index.
    const header = byTag(doc, 'header')[0] as Element;
    assert.match(text(header), /Stopped: 1 critical expectation failed/);
    assert.equal(factOf(header, 'Run id'), runId(4));
    assert.equal(factOf(header, 'Started'), '2024-05-01 10:04:00 UTC');
    assert.equal(factOf(header, 'Expectations'), '3');
    assert.equal(factOf(header, 'Passed'), '1');
    assert.equal(factOf(header, 'Failed'), '2 (critical 1, warning 1)');
    assert.equal(factOf(header, 'Rows quarantined'), '40');
    assert.equal(factOf(header, 'Stopped'), 'Yes');
    assert.equal(factOf(header, 'Evaluation time'), '38 ms');
    assert.deepEqual(
      byTag(header, 'a').map((a) => attr(a, 'href')),
      ['../index.html'],
    );
    assert.equal(
      text(byTag(doc, 'title')[0] as Element),
      'Data quality run 2024-05-01 10:04:00 UTC',
    );
  });

  test('each expectation has a trend with one point per run that evaluated it', () => {
    const [r1, r2, r3, r4] = historyRuns() as [DqRun, DqRun, DqRun, DqRun];
    const doc = wellFormed(renderRunPage(r4, [r3, r2, r1]));

    const rpmSvg = byTag(article(doc, 'rpm_in_range'), 'svg')[0] as Element;
    // Runs 1, 2, 4 evaluated it (2 and 4 failed); run 3 did not: a gap, so two line pieces.
    assert.deepEqual(points(rpmSvg), { pass: 1, fail: 2, total: 3 });
    assert.equal(byTag(rpmSvg, 'polyline').length, 1, 'run 3 breaks the line; run 4 stands alone');
    assert.match(text(article(doc, 'rpm_in_range')), /Failed in 2 of 3 runs/);
    const titles = byTag(rpmSvg, 'title').map(text);
    assert.deepEqual(titles.slice(1), [
      '2024-05-01 10:01:00 UTC: pass, 0% unexpected',
      '2024-05-01 10:02:00 UTC: FAIL, 2% unexpected',
      '2024-05-01 10:04:00 UTC: FAIL, 4% unexpected',
    ]);
    // The higher the unexpected percent, the higher the point (smaller y).
    const ys = byClass(rpmSvg, 'pt').map((p) => {
      const d = attr(p, 'd');
      return d === undefined ? Number(attr(p, 'cy')) : Number(/M[\d.]+ ([\d.]+)/.exec(d)?.[1]) + 3;
    });
    assert.ok(
      (ys[0] as number) > (ys[1] as number) && (ys[1] as number) > (ys[2] as number),
      ys.join(),
    );

    const rowsSvg = byTag(article(doc, 'row_count'), 'svg')[0] as Element;
    assert.deepEqual(points(rowsSvg), { pass: 3, fail: 1, total: 4 });

    // Without history, the trend is this run alone.
    const alone = wellFormed(renderRunPage(r1, []));
    assert.deepEqual(points(byTag(article(alone, 'rpm_in_range'), 'svg')[0] as Element), {
      pass: 1,
      fail: 0,
      total: 1,
    });
  });

  test('hostile sample rows are escaped, cut and inert', () => {
    const hostile = outcome({
      id: '<b>id</b>"\'',
      suite: '"><script>alert(3)</script>',
      table: 'silver/telemetry\u202E',
      kwargs: { '<i>key</i>': '</table><script>x</script>', nested: { v: [NaN, null] } },
      success: false,
      unexpectedCount: 2,
      unexpectedPercent: NaN,
      observed: { max: Infinity, text: '<svg onload=alert(4)>' },
      expected: '<u>never</u>',
      description: 'desc \u0000 with <em>markup</em>',
      sample: hostileRows(),
    });
    const html = renderRunPage(run(9, [hostile]), []);
    const doc = wellFormed(html);
    const page = text(doc);

    // Markup from data is visible text, never elements.
    assert.ok(page.includes('<script>alert("pwned")</script>'));
    assert.ok(page.includes('" onmouseover="alert(1)" data-x=\''));
    assert.ok(page.includes('"><script>alert(3)</script>'));
    assert.ok(page.includes('<b>id</b>"\''));
    assert.ok(page.includes('<th onclick=x>key</th>'));
    assert.ok(page.includes('</table><script>x</script>'));
    assert.ok(page.includes('"<img src=x onerror=alert(2)>"'));
    assert.ok(page.includes('<svg onload=alert(4)>'));
    assert.equal(byTag(doc, 'b').length + byTag(doc, 'i').length + byTag(doc, 'em').length, 0);
    assert.equal(byTag(doc, 'svg').length, 1, 'only the trend chart');

    // A 200,000-character value is cut with a note; its tail never reaches the page.
    assert.ok(!html.includes(HUGE_TAIL) && !html.includes('tail()'));
    assert.ok(page.includes('(truncated: 199,823 more characters)'), 'the cut is said');
    assert.ok(html.length < 60_000, `page stays small (${html.length} chars)`);

    // Controls, bidi overrides and lone surrogates become visible escapes.
    assert.ok(page.includes('a\\u0000b\\u0007c\\nd\\u001B[31m\\u0085'));
    assert.ok(page.includes('Zürich 🚗 日本語 \\u202Eevil\\u202C'));
    assert.ok(page.includes('\\uD800x'));
    assert.ok(page.includes('silver/telemetry\\u202E'));
    assert.ok(page.includes('desc \\u0000 with <em>markup</em>'));
    // Stacked combining marks are capped.
    assert.ok(page.includes(`Z${'\u0301'.repeat(4)}…`) && !page.includes('\u0301'.repeat(5)));

    // Numbers JSON cannot carry are named; big integers exact; nested values compact.
    const sample = tableWithCaption(doc, 'Sample failing rows');
    const head = byTag(byTag(sample, 'thead')[0] as Element, 'th').map(text);
    const expectedColumns = [...Object.keys(hostileRows()[0] as object), '__proto__'];
    assert.deepEqual(head, expectedColumns, 'columns are the union of the rows keys');
    const [first, second] = bodyRows(sample).map(cells) as [string[], string[]];
    const cell = (row: string[], column: string): string => row[head.indexOf(column)] as string;
    assert.equal(cell(first, 'nan'), 'NaN');
    assert.equal(cell(first, 'inf'), 'Infinity');
    assert.equal(cell(first, 'ninf'), '-Infinity');
    assert.equal(cell(first, 'big'), '12345678901234567890');
    assert.equal(
      cell(first, 'nested'),
      '{"list": [1, {"img": "<img src=x onerror=alert(2)>"}], "deep": {"a": {"b": {"c": {…}}}}}',
    );
    assert.equal(cell(first, 'constructor'), 'own constructor');
    assert.equal(cell(second, 'constructor'), '(absent)', 'inherited properties are not values');
    assert.equal(cell(second, '__proto__'), 'proto value');
    assert.equal(cell(second, 'nan'), 'null');
    assert.equal(cell(second, 'html'), '(absent)');
    assert.equal(factOf(article(doc, '<b>id</b>"\''), 'Unexpected'), '2 rows (n/a)');
    assert.equal(
      factOf(article(doc, '<b>id</b>"\''), 'Observed'),
      '{"max": Infinity, "text": "<svg onload=alert(4)>"}',
    );
  });

  test('sample tables are bounded: rows, columns and nesting', () => {
    const wide = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`c${i}`, i]));
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const many = Array.from({ length: 30 }, (_, i) => (i === 0 ? { ...wide, cyclic } : { c0: i }));
    const doc = wellFormed(
      renderRunPage(run(5, [outcome({ success: false, unexpectedCount: 30, sample: many })]), []),
    );
    const sample = tableWithCaption(doc, 'Sample failing rows');
    assert.equal(
      text(byTag(sample, 'caption')[0] as Element),
      'Sample failing rows (20 shown of 30 failing)',
    );
    assert.equal(bodyRows(sample).length, 20);
    assert.equal(byTag(byTag(sample, 'thead')[0] as Element, 'th').length, 30);
    assert.match(text(doc), /10 more sample rows not shown; 16 more columns not shown\./);
  });
});

describe('data docs: index page', () => {
  test('lists every run newest first with its counts, stopped flag and page link', () => {
    const runs = historyRuns().reverse();
    const doc = wellFormed(renderIndexPage(runs));
    const table = tableWithCaption(doc, 'All runs, newest first');
    assert.deepEqual(bodyRows(table).map(cells), [
      [
        '2024-05-01 10:04:00 UTC',
        runId(4),
        '✗ FAIL',
        '3',
        '1',
        '2',
        '33.33%',
        '40',
        'Yes',
        '38 ms',
      ],
      ['2024-05-01 10:03:00 UTC', runId(3), '✓ PASS', '2', '2', '0', '100%', '0', 'No', '25 ms'],
      ['2024-05-01 10:02:00 UTC', runId(2), '✗ FAIL', '3', '2', '1', '66.67%', '20', 'No', '38 ms'],
      ['2024-05-01 10:01:00 UTC', runId(1), '✓ PASS', '3', '3', '0', '100%', '0', 'No', '38 ms'],
    ]);
    assert.deepEqual(
      bodyRows(table).map((r) => attr(byTag(r, 'a')[0] as Element, 'href')),
      [4, 3, 2, 1].map((n) => `runs/${runId(n)}.html`),
    );
    // Overall pass rate: one point per run, crosses for runs with failures.
    const rate = byTag(byTag(doc, 'figure')[0] as Element, 'svg')[0] as Element;
    assert.deepEqual(points(rate), { pass: 2, fail: 2, total: 4 });
    assert.deepEqual(byTag(rate, 'title').map(text).slice(1), [
      '2024-05-01 10:01:00 UTC: 100% passed (3 of 3)',
      '2024-05-01 10:02:00 UTC: 66.67% passed (2 of 3)',
      '2024-05-01 10:03:00 UTC: 100% passed (2 of 2)',
      '2024-05-01 10:04:00 UTC: 33.33% passed (1 of 3), stopped',
    ]);
  });

  test('trends: one row per suite and expectation id, one sparkline point per run that had it', () => {
    const runs = historyRuns().reverse();
    const doc = wellFormed(renderIndexPage(runs));
    const table = tableWithCaption(doc, 'Each expectation over the runs above');
    const rowsFound = bodyRows(table);
    assert.deepEqual(
      rowsFound.map((r) => cells(r).slice(0, 6)),
      [
        [
          'silver_sessions',
          'session_not_null',
          'expect_column_values_to_not_be_null',
          '✓ PASS',
          '0 (0%)',
          '0 of 4',
        ],
        [
          'silver_telemetry',
          'row_count',
          'expect_table_row_count_to_be_between',
          '✗ FAIL',
          '0 (0%)',
          '1 of 4',
        ],
        [
          'silver_telemetry',
          'rpm_in_range',
          'expect_column_values_to_be_between',
          '✗ FAIL',
          '40 (4%)',
          '2 of 3',
        ],
      ],
    );
    const sparkline = (i: number): Element => byTag(rowsFound[i] as Element, 'svg')[0] as Element;
    assert.deepEqual(points(sparkline(0)), { pass: 4, fail: 0, total: 4 });
    assert.deepEqual(points(sparkline(1)), { pass: 3, fail: 1, total: 4 });
    assert.deepEqual(points(sparkline(2)), { pass: 1, fail: 2, total: 3 });
    // Each expectation links to its place on the newest run page that evaluated it.
    const link = byTag(rowsFound[2] as Element, 'a')[0] as Element;
    const target = wellFormed(renderRunPage(runs[0] as DqRun, runs.slice(1)));
    const [file, anchor] = (attr(link, 'href') ?? '').split('#');
    assert.equal(file, `runs/${runId(4)}.html`);
    assert.equal(
      text(byTag(byId(target, anchor ?? '') as Element, 'h3')[0] as Element),
      '✗ FAIL rpm_in_range',
    );

    // The same expectation id in two suites is two trends.
    const twin = run(8, [outcome(), outcome({ suite: 'other_suite' })]);
    const twinDoc = wellFormed(renderIndexPage([twin]));
    assert.equal(bodyRows(tableWithCaption(twinDoc, 'Each expectation')).length, 2);
  });

  test('a run whose id is not a UUID is listed without a link', () => {
    const bad: DqRun = { ...run(2, [outcome()]), runId: '../../etc/<passwd>' };
    const doc = wellFormed(renderIndexPage([run(3, [outcome()]), bad]));
    const table = tableWithCaption(doc, 'All runs');
    const [good, listed] = bodyRows(table) as [Element, Element];
    assert.equal(byTag(good, 'a').length, 1);
    assert.equal(byTag(listed, 'a').length, 0);
    assert.match(text(listed), /no page: the run id is not a UUID/);
    assert.ok(text(listed).includes('../../etc/<passwd>'));
  });

  test('no runs gives a page that says so', () => {
    const doc = wellFormed(renderIndexPage([]));
    assert.match(text(doc), /No data-quality runs yet/);
  });
});

describe('data docs: writeDataDocs', () => {
  test('writes the run page and the index; every link resolves to a file that exists', async (t) => {
    const dir = await tempDir(t);
    const outDir = path.join(dir, 'dq', 'docs');
    const runs = historyRuns();
    let result: { runPage: string; indexPage: string } | undefined;
    for (let i = 0; i < runs.length; i += 1) {
      const history = runs.slice(0, i).reverse();
      result = await writeDataDocs({ outDir, current: runs[i] as DqRun, history });
    }
    assert.ok(result);
    assert.equal(result.indexPage, path.join(outDir, 'index.html'));
    assert.equal(result.runPage, path.join(outDir, 'runs', `${runId(4)}.html`));
    assert.ok(path.isAbsolute(result.runPage) && path.isAbsolute(result.indexPage));

    assert.deepEqual(
      [...(await snapshot(outDir)).keys()].sort(),
      ['index.html', ...[1, 2, 3, 4].map((n) => path.join('runs', `${runId(n)}.html`))],
      'no temporary file is left',
    );
    // index → 4 run pages + 3 expectation anchors; each run page → back to the index.
    assert.equal(await assertLinksResolve(result.indexPage), 7);
    for (const n of [1, 2, 3, 4]) {
      assert.equal(await assertLinksResolve(path.join(outDir, 'runs', `${runId(n)}.html`)), 1);
    }
  });

  test('the same input gives the same bytes', async (t) => {
    const dir = await tempDir(t);
    const runs = historyRuns().reverse();
    const [current, ...history] = runs as [DqRun, ...DqRun[]];
    const clone = structuredClone({ current, history });
    await writeDataDocs({ outDir: path.join(dir, 'a'), current, history });
    await writeDataDocs({
      outDir: path.join(dir, 'b'),
      current: clone.current,
      history: clone.history,
    });
    const first = await snapshot(path.join(dir, 'a'));
    assert.deepEqual(await snapshot(path.join(dir, 'b')), first);
    await writeDataDocs({ outDir: path.join(dir, 'a'), current, history });
    assert.deepEqual(await snapshot(path.join(dir, 'a')), first, 'a rerun changes nothing');
    assert.equal(renderRunPage(current, history), renderRunPage(clone.current, clone.history));
    assert.equal(renderIndexPage(runs), renderIndexPage([clone.current, ...clone.history]));
  });

  test('pages are replaced atomically: a reader of the old page keeps a whole page', async (t) => {
    const dir = await tempDir(t);
    const [r1, r2] = historyRuns() as [DqRun, DqRun];
    const { indexPage } = await writeDataDocs({ outDir: dir, current: r1, history: [] });
    const before = await readFile(indexPage, 'utf8');
    const oldInode = (await stat(indexPage)).ino;
    // A browser that opened the page before the rewrite.
    const reader = await open(indexPage, 'r');
    try {
      await writeDataDocs({ outDir: dir, current: r2, history: [r1] });
      const after = await readFile(indexPage, 'utf8');
      assert.notEqual(after, before);
      assert.ok(after.includes(runId(2)) && after.endsWith('</html>\n'));
      // The new page is a new file put in place by rename: the open one is untouched and whole.
      assert.notEqual((await stat(indexPage)).ino, oldInode);
      assert.equal(await reader.readFile('utf8'), before);
    } finally {
      await reader.close();
    }
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file is left',
    );
  });

  test('a failed write keeps the old pages and leaves no temporary file', async (t) => {
    const dir = await tempDir(t);
    const [r1, r2] = historyRuns() as [DqRun, DqRun];
    const { indexPage } = await writeDataDocs({ outDir: dir, current: r1, history: [] });
    const before = await readFile(indexPage, 'utf8');
    // A folder where the run page must go makes its rename fail.
    const blocker = path.join(dir, 'runs', `${runId(2)}.html`);
    await mkdir(path.join(blocker, 'inside'), { recursive: true });
    await assert.rejects(writeDataDocs({ outDir: dir, current: r2, history: [r1] }), (error) => {
      assert.ok(error instanceof PitwallError);
      assert.equal(error.code, ERROR_CODES.io);
      assert.ok(error.message.includes(blocker) && !error.message.includes('\n'), error.message);
      return true;
    });
    assert.equal(await readFile(indexPage, 'utf8'), before, 'the index still lists only run 1');
    assert.ok((await lstat(blocker)).isDirectory());
    const leftovers = [...(await readdir(dir)), ...(await readdir(path.join(dir, 'runs')))];
    assert.deepEqual(
      leftovers.filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('rejects a run id that is not a UUID, writing nothing', async (t) => {
    const dir = await tempDir(t);
    const outDir = path.join(dir, 'docs');
    for (const bad of [
      '../../etc/passwd',
      '<script>',
      '',
      'run-1',
      `${runId(1)}/x`,
      `${runId(1)}\n`,
    ]) {
      await assert.rejects(
        writeDataDocs({ outDir, current: { ...run(1, [outcome()]), runId: bad }, history: [] }),
        (error) => {
          assert.ok(error instanceof PitwallError);
          assert.equal(error.code, ERROR_CODES.pipeline);
          assert.match(error.message, /^data docs: run id .* is not a UUID/);
          assert.ok(!error.message.includes('\n'), 'one line');
          return true;
        },
      );
    }
    await assert.rejects(stat(outDir), { code: 'ENOENT' });
    await assert.rejects(
      writeDataDocs({ outDir: '', current: run(1, []), history: [] }),
      /outDir must be a folder path/,
    );
  });

  test('writes missing earlier pages, keeps existing ones, and uses at most 50 earlier runs', async (t) => {
    const dir = await tempDir(t);
    const history = Array.from({ length: MAX_HISTORY + 5 }, (_, i) =>
      run(MAX_HISTORY + 4 - i, [outcome()]),
    );
    const current = run(100, [outcome({ success: false })]);
    const kept = path.join(dir, 'runs', `${runId(MAX_HISTORY + 4)}.html`);
    await mkdir(path.dirname(kept), { recursive: true });
    await writeFile(kept, 'written before');
    const bad: DqRun = { ...run(99, [outcome()]), runId: 'not-a-uuid' };
    const { indexPage } = await writeDataDocs({ outDir: dir, current, history: [bad, ...history] });

    assert.equal(
      await readFile(kept, 'utf8'),
      'written before',
      'an existing page is not rewritten',
    );
    const pages = await readdir(path.join(dir, 'runs'));
    assert.equal(
      pages.length,
      1 + MAX_HISTORY - 1,
      'current + 49 valid earlier runs (the 50th is the bad id)',
    );
    const doc = wellFormed(await readFile(indexPage, 'utf8'));
    assert.equal(bodyRows(tableWithCaption(doc, 'All runs')).length, 1 + MAX_HISTORY);
    assert.equal(await assertLinksResolve(indexPage), 1 + MAX_HISTORY - 1 + 1);
    const sparkline = byTag(
      bodyRows(tableWithCaption(doc, 'Each expectation'))[0] as Element,
      'svg',
    )[0] as Element;
    assert.equal(points(sparkline).total, 1 + MAX_HISTORY, 'one point per run listed');
  });
});
