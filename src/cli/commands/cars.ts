// `pitwall cars`: the shipped car profiles and their published performance.
import type { Command } from 'commander';
import type { CarProfile } from '../../sim/car.js';
import { writeLine, type CliContext } from '../context.js';
import { formatTable } from '../format.js';

/** What `cars` shows of a profile; also the shape of each `--json` entry. */
interface CarSummary {
  readonly id: string;
  readonly name: string;
  readonly class: CarProfile['class'];
  readonly fuel: CarProfile['fuel'];
  readonly mass_kg: number;
  readonly zero_to_100_kmh_s: number;
  readonly top_speed_kmh: number;
  readonly max_power_kw: number | null;
}

function summarize(car: CarProfile): CarSummary {
  return {
    id: car.id,
    name: car.name,
    class: car.class,
    fuel: car.fuel,
    mass_kg: car.mass_kg,
    zero_to_100_kmh_s: car.published.zero_to_100_kmh_s,
    top_speed_kmh: car.published.top_speed_kmh,
    max_power_kw: car.published.max_power_kw ?? null,
  };
}

/** Registers `cars` on `program`. */
export function registerCars(program: Command, context: CliContext): void {
  const command = program
    .command('cars')
    .description('list car profiles with published 0-100 km/h and top speed')
    .option('--json', 'print JSON instead of a table')
    .action(async () => {
      // Loaded on use: profile validation pulls in the schema validator, slow to start.
      const { shippedCars } = await import('../../sim/car.js');
      const cars = shippedCars().map(summarize);
      const { stdout } = context.io;
      if (command.opts<{ json?: boolean }>().json === true) {
        writeLine(stdout, JSON.stringify(cars, null, 2));
        return;
      }
      writeLine(
        stdout,
        formatTable(cars, [
          { header: 'id', value: (c) => c.id },
          { header: 'fuel', value: (c) => c.fuel },
          {
            header: '0-100 km/h',
            value: (c) => `${c.zero_to_100_kmh_s.toFixed(1)} s`,
            align: 'right',
          },
          { header: 'top speed', value: (c) => `${c.top_speed_kmh} km/h`, align: 'right' },
          {
            header: 'power',
            value: (c) => (c.max_power_kw === null ? '-' : `${c.max_power_kw} kW`),
            align: 'right',
          },
          { header: 'name', value: (c) => c.name },
        ]),
      );
    });
}
