// `pitwall drivers`: the driver profiles a fleet can draw from.
import type { Command } from 'commander';
import { DRIVER_PROFILES } from '../../sim/drivers.js';
import { writeLine, type CliContext } from '../context.js';
import { formatTable } from '../format.js';

/** Registers `drivers` on `program`. */
export function registerDrivers(program: Command, context: CliContext): void {
  const command = program
    .command('drivers')
    .description('list the driver profiles and how they drive')
    .option('--json', 'print JSON instead of a table')
    .action(() => {
      const drivers = DRIVER_PROFILES.map((p) => ({ name: p.name, description: p.description }));
      const { stdout } = context.io;
      if (command.opts<{ json?: boolean }>().json === true) {
        writeLine(stdout, JSON.stringify(drivers, null, 2));
        return;
      }
      writeLine(
        stdout,
        formatTable(drivers, [
          { header: 'profile', value: (d) => d.name },
          { header: 'description', value: (d) => d.description },
        ]),
      );
    });
}
