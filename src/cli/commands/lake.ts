// `pitwall lake stats`: the Delta tables under a lake root, with version, files and rows.
import type { Command } from 'commander';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatTable } from '../format.js';
import { invalidOption } from '../options.js';
import { cliSettings } from '../settings.js';

const DEFAULT_LAKE = '.pitwall/lake';

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Registers `lake` and its subcommands on `program`. */
export function registerLake(program: Command, context: CliContext): void {
  const lake = program.command('lake').description('inspect the lake');
  const stats = lake
    .command('stats')
    .description('print each Delta table under the lake root: version, files, rows, size')
    .option('--lake <dir>', `lake root (default: PITWALL_LAKE, else ${DEFAULT_LAKE})`)
    .option('--json', 'print JSON instead of a table')
    .action(async () => {
      const options = stats.opts<{ lake?: string; json?: boolean }>();
      const root = options.lake ?? cliSettings(context.io.env).lake.root;
      if (root.trim() === '') throw invalidOption('--lake', 'a folder path', root);
      const { lakeStats } = await import('../../pipeline/lake-stats.js');
      const tables = await lakeStats(root);
      const { io } = context;
      if (options.json === true) {
        writeLine(io.stdout, JSON.stringify({ lake: root, tables }, null, 2));
        return;
      }
      if (tables.length === 0) {
        writeLine(io.stdout, `no Delta tables under ${root}`);
        return;
      }
      writeLine(
        io.stdout,
        formatTable(tables, [
          { header: 'table', value: (t) => t.table },
          { header: 'version', value: (t) => formatCount(t.version), align: 'right' },
          { header: 'files', value: (t) => formatCount(t.files), align: 'right' },
          { header: 'rows', value: (t) => formatCount(t.rows), align: 'right' },
          { header: 'size', value: (t) => formatBytes(t.bytes), align: 'right' },
        ]),
      );
    });
}
