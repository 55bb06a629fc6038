// `pitwall pipeline run`: bronze → silver → gold over the lake, with a progress line per
// step, a summary table at the end and the path of the data docs the quality gate wrote.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { IoError } from '../../errors.js';
import type { LayerName, LayerReport } from '../../pipeline/run.js';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatTable, formatWallTime } from '../format.js';
import { invalidOption } from '../options.js';
import { cliSettings } from '../settings.js';

const DEFAULT_LAKE = '.pitwall/lake';
const LAYERS = ['silver', 'gold'] as const satisfies readonly LayerName[];

const EXAMPLES = `
Examples:
  pitwall pipeline run                       # silver then gold, only what bronze added since the last run
  pitwall pipeline run --layers silver       # one layer
  pitwall pipeline run --full-refresh        # rebuild from the whole of bronze
  pitwall pipeline run --expectations ./my-suites   # the data-quality gate with other suites`;

interface RawRunOptions {
  layers?: string;
  lake?: string;
  fullRefresh?: boolean;
  expectations?: string;
  quiet?: boolean;
  json?: boolean;
}

/** `--layers silver,gold` → the layer names, in the order given, without repeats. */
export function parseLayers(text: string): LayerName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const out: LayerName[] = [];
  for (const name of names) {
    const layer = LAYERS.find((known) => known === name);
    if (layer === undefined) {
      throw invalidOption('--layers', `a comma-separated list of ${LAYERS.join(', ')}`, text);
    }
    if (!out.includes(layer)) out.push(layer);
  }
  if (out.length === 0) {
    throw invalidOption('--layers', `a comma-separated list of ${LAYERS.join(', ')}`, text);
  }
  return out;
}

function expectations(report: LayerReport): string {
  return report.expectations === undefined
    ? '-'
    : `${formatCount(report.expectations.passed)}/${formatCount(report.expectations.passed + report.expectations.failed)}`;
}

/** Silver and gold with the data-quality suites of `dir` instead of the shipped ones. */
async function layersWithSuites(dir: string) {
  const { loadSuites } = await import('../../pipeline/dq/suite.js');
  const { createSilverLayer } = await import('../../pipeline/silver/silver-layer.js');
  const { createGoldLayer } = await import('../../pipeline/gold/build-gold.js');
  // Loaded once here, so a bad suite file stops the run before any layer starts.
  const dq = { suites: loadSuites(dir) };
  return { silver: createSilverLayer({ dq }), gold: createGoldLayer({ dq }) };
}

/** The data docs index the run's quality gate wrote (`<lake>/dq/docs/index.html`), if any. */
async function dataDocsIndex(root: string): Promise<string | undefined> {
  const { dataDocsDir } = await import('../../pipeline/dq/data-docs.js');
  const index = path.resolve(dataDocsDir(root), 'index.html');
  return existsSync(index) ? index : undefined;
}

/** Registers `pipeline` and its subcommands on `program`. */
export function registerPipeline(program: Command, context: CliContext): void {
  const pipeline = program
    .command('pipeline')
    .description('run the medallion pipeline (bronze -> silver -> gold)');
  const run = pipeline
    .command('run')
    .description('process what bronze added since the last run into silver and gold')
    .option('--layers <list>', `layers to run: ${LAYERS.join(',')} (default: all)`)
    .option('--lake <dir>', `lake root (default: PITWALL_LAKE, else ${DEFAULT_LAKE})`)
    .option('--full-refresh', 'rebuild the layers from all of their input')
    .option(
      '--expectations <dir>',
      'folder of expectation suite files for the data-quality gate (default: the shipped expectations/)',
    )
    .option('--json', 'print the summary as JSON on stdout')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      const options = run.opts<RawRunOptions>();
      const layers = parseLayers(options.layers ?? LAYERS.join(','));
      const root = options.lake ?? cliSettings(context.io.env).lake.root;
      if (root.trim() === '') throw invalidOption('--lake', 'a folder path', root);
      if (!existsSync(root)) {
        throw new IoError(`no lake at ${root} (fill bronze with: pitwall ingest)`);
      }
      if (options.expectations !== undefined && options.expectations.trim() === '') {
        throw invalidOption('--expectations', 'a folder of suite files', options.expectations);
      }
      const { io } = context;
      const quiet = options.quiet === true;
      const { runPipeline } = await import('../../pipeline/run.js');
      const implementations =
        options.expectations === undefined
          ? undefined
          : await layersWithSuites(options.expectations);
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runPipeline({
          lakeRoot: root,
          layers,
          fullRefresh: options.fullRefresh === true,
          signal: controller.signal,
          ...(implementations === undefined ? {} : { implementations }),
          onProgress: (layer, message) => {
            if (!quiet) writeLine(io.stderr, `${layer}: ${message}`);
          },
          onLayerDone: (report) => {
            if (quiet) return;
            const what = report.upToDate
              ? 'up to date'
              : `${formatCount(report.rowsIn)} rows in, ${formatCount(report.rowsOut)} out`;
            writeLine(
              io.stderr,
              `${report.layer}: done in ${formatWallTime(report.seconds)}: ${what}`,
            );
          },
        });
        const docs = summary.layers.some((r) => r.expectations !== undefined)
          ? await dataDocsIndex(root)
          : undefined;
        if (options.json === true) {
          writeLine(io.stdout, JSON.stringify({ ...summary, dataDocs: docs ?? null }, null, 2));
          return;
        }
        writeLine(
          io.stdout,
          formatTable(summary.layers, [
            { header: 'layer', value: (r) => r.layer },
            { header: 'rows in', value: (r) => formatCount(r.rowsIn), align: 'right' },
            { header: 'rows out', value: (r) => formatCount(r.rowsOut), align: 'right' },
            { header: 'quarantined', value: (r) => formatCount(r.quarantined), align: 'right' },
            { header: 'duplicates', value: (r) => formatCount(r.duplicates), align: 'right' },
            { header: 'expectations', value: expectations, align: 'right' },
            { header: 'time', value: (r) => formatWallTime(r.seconds), align: 'right' },
            {
              header: 'note',
              value: (r) => (r.upToDate ? 'up to date' : (r.notes ?? []).join('; ')),
            },
          ]),
        );
        if (docs !== undefined) writeLine(io.stdout, `data docs: ${docs}`);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}
