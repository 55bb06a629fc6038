// `pitwall scenario …`: working with scenario files.
import type { Command } from 'commander';
import { writeLine, type CliContext } from '../context.js';

/** Registers `scenario` and its subcommands on `program`. */
export function registerScenario(program: Command, context: CliContext): void {
  const scenario = program
    .command('scenario')
    .description('validate scenario files (scripted session events)');
  scenario
    .command('validate')
    .description('check a scenario file against its schema (exit 2 if invalid)')
    .argument('<file>', 'scenario file (.yaml, .json) or shipped scenario name')
    .action(async (file: string) => {
      // Loaded on use: the YAML parser and schema validator are slow to start.
      const { loadScenarioArgument } = await import('../scenarios.js');
      const loaded = loadScenarioArgument('scenario validate', file);
      const count = loaded.events.length;
      writeLine(
        context.io.stdout,
        `ok: ${file} (scenario "${loaded.name}", ${count} event${count === 1 ? '' : 's'})`,
      );
    });
}
