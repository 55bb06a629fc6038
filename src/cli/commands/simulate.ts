// `pitwall simulate`: runs a fleet and writes its telemetry as NDJSON.
import type { Command } from 'commander';
import { formatDuration } from '../../duration.js';
import { FAULT_NAMES } from '../../sim/faults.js';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatWallTime } from '../format.js';
import { addLogOptions } from '../log-options.js';
import { collect } from '../options.js';
import {
  DRIVER_CHOICES,
  FAULT_PRESET_NAMES,
  LIMITS,
  SIMULATE_DEFAULTS as D,
  parseSimulateOptions,
  type RawSimulateOptions,
} from '../simulate-options.js';

const EXAMPLES = `
Examples:
  pitwall simulate --vehicles 100 --duration 1h --out fleet.ndjson
  pitwall simulate --drivers aggressive --scenario hot-climb --duration 5m
  pitwall simulate --faults heavy --fault-rate spike=0.01 --seed 7
  pitwall simulate --realtime --vehicles 3 --out - | head`;

/** Registers `simulate` on `program`. */
export function registerSimulate(program: Command, context: CliContext): void {
  const command = program
    .command('simulate')
    .description('simulate a fleet and write its telemetry as NDJSON')
    .option(
      '--vehicles <n>',
      `number of vehicles, ${LIMITS.vehicles.min}-${LIMITS.vehicles.max} (default: ${D.vehicles})`,
    )
    .option(
      '--hz <n>',
      `samples per second per vehicle, ${LIMITS.hz.min}-${LIMITS.hz.max} (default: ${D.hz})`,
    )
    .option(
      '--duration <d>',
      `simulated time: 30s, 10m, 2h, 1h30m or seconds (default: ${D.duration})`,
    )
    .option(
      '--session-duration <d>',
      'length of one session; each vehicle then starts a new one (default: the whole duration)',
    )
    .option('--seed <n>', `random seed; the same seed writes the same bytes (default: ${D.seed})`)
    .option('--drivers <profile>', `${DRIVER_CHOICES.join(' | ')} (default: ${D.drivers})`)
    .option('--cars <car>', `mix or a car id from "pitwall cars" (default: ${D.cars})`)
    .option('--faults <preset>', `${FAULT_PRESET_NAMES.join(' | ')} (default: ${D.faults})`)
    .option(
      '--fault-rate <name=value>',
      `override one fault rate, 0-1; repeatable (${FAULT_NAMES.join(', ')})`,
      collect,
    )
    .option('--scenario <file|name>', 'scenario file (.yaml, .json) or shipped scenario name')
    .option('--start <time>', `start time, ISO 8601 (default: ${D.start}; now with --realtime)`)
    .option('--realtime', 'emit events as they happen (same as --speed 1)')
    .option(
      '--speed <x>',
      'pace: 10 = ten times real time; 0 or max = as fast as possible (default: max)',
    )
    .option('--out <file>', `output file, or - for stdout (default: ${D.out})`)
    .option(
      '--sink <kind>',
      `where events go: file (--out), local (the embedded log) or kafka (default: ${D.sink})`,
    );
  addLogOptions(command, '--sink')
    .option('--quiet', 'no progress line or summary on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      await simulate(command.opts<RawSimulateOptions>(), context);
    });
}

async function simulate(raw: RawSimulateOptions, context: CliContext): Promise<void> {
  const { io } = context;
  const settings = await parseSimulateOptions(raw, Date.now(), io.env);
  // Loaded on use, like the option checks that need files (see parseSimulateOptions).
  const { runSimulation } = await import('../run-simulation.js');
  const outcome = await runSimulation(io, {
    simulation: settings.simulation,
    out: settings.out,
    log: settings.log,
    progress: io.stderrIsTTY && !settings.quiet && !settings.realTime,
  });
  switch (outcome.kind) {
    case 'broken-pipe':
      return;
    case 'interrupted':
      if (!settings.quiet) {
        writeLine(
          io.stderr,
          `stopped by ${outcome.signal} after ${formatCount(outcome.events)} events; ${outcome.output} holds whole lines but unfinished sessions`,
        );
      }
      context.exitCode = outcome.exitCode;
      return;
    case 'completed': {
      if (settings.quiet) return;
      const s = outcome.stats;
      writeLine(
        io.stderr,
        `simulated ${formatDuration(s.simulatedS)}: ${formatCount(s.events)} events, ` +
          `${formatCount(s.sessions)} sessions, ${formatCount(s.vehicles)} vehicles ` +
          `in ${formatWallTime(s.wallS)} -> ${outcome.output}`,
      );
    }
  }
}
