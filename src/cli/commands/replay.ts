// `pitwall replay`: sends a recorded NDJSON file to a log topic, line by line, as is.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { LOG_SOURCES } from '../../log/connect.js';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatWallTime } from '../format.js';
import { addLogOptions, parseLogTarget, type RawLogOptions } from '../log-options.js';
import { invalidOption, parseChoiceOption } from '../options.js';

const EXAMPLES = `
Each line is sent as one message holding exactly its bytes (even when it is not JSON),
keyed by its "vehicle_id" when it has one. --speed 1x keeps the recording's timing
(from each line's "event_time"); max sends as fast as the log takes them.

Examples:
  pitwall simulate --duration 10m --out fleet.ndjson
  pitwall replay fleet.ndjson --sink local
  pitwall replay fleet.ndjson --sink kafka --brokers 127.0.0.1:9092 --speed 1x
  cat hostile.ndjson | pitwall replay - --sink local --topic quarantine-test`;

interface RawReplayOptions extends RawLogOptions {
  readonly sink?: string;
  readonly speed?: string;
  readonly quiet?: boolean;
}

const SPEED = /^(\d+(\.\d*)?|\.\d+)x?$/;

/** `1x`, `10x`, `0.5x`, `10` → factor; `max` or `0` → 0 (as fast as possible). */
export function parseReplaySpeed(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'max') return 0;
  const speed = SPEED.test(trimmed) ? Number.parseFloat(trimmed) : Number.NaN;
  if (!Number.isFinite(speed) || speed < 0) {
    throw invalidOption('--speed', '1x (original timing), 10x, 0.5x or max', text);
  }
  return speed;
}

/** Registers `replay` on `program`. */
export function registerReplay(program: Command, context: CliContext): void {
  const command = program
    .command('replay')
    .description('send a recorded NDJSON file to a log topic, one message per line')
    .argument('<file>', 'NDJSON recording, or - for stdin')
    .option('--sink <kind>', `${LOG_SOURCES.join(' | ')} (default: local)`)
    .option('--speed <x>', 'pace: 1x = original timing, 10x, 0.5x, or max (default: max)');
  addLogOptions(command, '--sink')
    .option('--quiet', 'no summary on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string) => {
      await replay(file, command.opts<RawReplayOptions>(), context);
    });
}

async function replay(file: string, raw: RawReplayOptions, context: CliContext): Promise<void> {
  const { io } = context;
  if (file.trim() === '') throw new UsageError('replay needs a file path, or - for stdin');
  const sink = parseChoiceOption('--sink', raw.sink ?? 'local', LOG_SOURCES);
  const speed = parseReplaySpeed(raw.speed ?? 'max');
  const target = parseLogTarget(sink, raw, '--sink', io.env);
  const { runReplay } = await import('../run-replay.js');
  const outcome = await runReplay({ file, target, speed }, process.stdin);
  const s = outcome.stats;
  const summary =
    `${formatCount(s.lines)} lines (${formatCount(s.unkeyed)} without a vehicle id) ` +
    `in ${formatWallTime(s.wallS)} -> ${outcome.label}`;
  if (outcome.kind === 'interrupted') {
    if (!raw.quiet) writeLine(io.stderr, `stopped by ${outcome.signal} after ${summary}`);
    context.exitCode = outcome.exitCode;
    return;
  }
  if (!raw.quiet) {
    const pace = speed === 0 ? 'as fast as possible' : `at ${speed}x the recorded pace`;
    writeLine(io.stderr, `replayed ${summary}, ${pace}`);
  }
}
