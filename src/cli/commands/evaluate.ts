// `pitwall evaluate`: a model on recorded telemetry, through the live inference path.
import type { Command } from 'commander';
import { writeLine, type CliContext } from '../context.js';
import { formatTable } from '../format.js';
import { invalidOption } from '../options.js';

const EXAMPLES = `
Examples:
  pitwall simulate --vehicles 20 --duration 20m --seed 777 --out unseen.ndjson
  pitwall evaluate --model models:/driving-style@production --telemetry unseen.ndjson
  pitwall evaluate --model runs:/<run id>/model --telemetry unseen.ndjson --json`;

interface RawEvaluateOptions {
  model?: string;
  telemetry?: string;
  trackingUri?: string;
  json?: boolean;
}

/** Registers `evaluate` on `program`. */
export function registerEvaluate(program: Command, context: CliContext): void {
  const command = program
    .command('evaluate')
    .description(
      "score a model on recorded telemetry through the live engine, against the sessions' true profiles",
    )
    .option(
      '--model <uri>',
      'models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/model or a model folder',
    )
    .option(
      '--telemetry <file>',
      'NDJSON telemetry with session_start events (pitwall simulate --out)',
    )
    .option(
      '--tracking-uri <uri>',
      'where models:/ and runs:/ are looked up (default: MLFLOW_TRACKING_URI, then ./mlruns)',
    )
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      const o = command.opts<RawEvaluateOptions>();
      if (o.model === undefined || o.model.trim() === '')
        throw invalidOption('--model', 'a model URI', o.model ?? '');
      if (o.telemetry === undefined || o.telemetry.trim() === '') {
        throw invalidOption('--telemetry', 'an NDJSON file', o.telemetry ?? '');
      }
      const { io } = context;
      const { evaluateTelemetry } = await import('../../ml/evaluate.js');
      const result = await evaluateTelemetry({
        modelUri: o.model,
        telemetryFile: o.telemetry,
        resolve: {
          ...(o.trackingUri === undefined ? {} : { trackingUri: o.trackingUri }),
          env: io.env,
        },
        onProgress: (m) => {
          if (o.json !== true) writeLine(io.stderr, `evaluate: ${m}`);
        },
      });
      if (o.json === true) {
        writeLine(io.stdout, JSON.stringify(result, null, 2));
        return;
      }
      const m = result.metrics;
      const labels = m.confusion.labels;
      writeLine(
        io.stdout,
        formatTable(
          labels.map((label, i) => ({ label, row: m.confusion.matrix[i] ?? [] })),
          [
            { header: 'true \\ predicted', value: (r) => r.label },
            ...labels.map((l, j) => ({
              header: l,
              value: (r: { row: readonly number[] }) => String(r.row[j] ?? 0),
              align: 'right' as const,
            })),
          ],
        ),
      );
      writeLine(
        io.stdout,
        `${result.predictions} verdicts over ${result.sessions} sessions: accuracy ${m.accuracy.toFixed(3)}, macro F1 ${m.macroF1.toFixed(3)}, ` +
          `sessions right by majority ${(result.sessionAccuracy * 100).toFixed(1)} % (model ${result.modelVersion})`,
      );
      if (result.skippedLines > 0)
        writeLine(io.stdout, `${result.skippedLines} unusable lines skipped`);
    });
}
