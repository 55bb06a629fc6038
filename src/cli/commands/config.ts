// `pitwall config show|check`: the settings Pitwall resolves from the environment and `.env`.
import type { Command } from 'commander';
import { writeLine, type CliContext } from '../context.js';
import { formatTable } from '../format.js';

interface RawConfigOptions {
  envFile?: string;
  json?: boolean;
}

/** Registers `config` and its subcommands on `program`. */
export function registerConfig(program: Command, context: CliContext): void {
  const config = program
    .command('config')
    .description('show and check the settings read from the environment and .env');
  const load = async (options: RawConfigOptions) => {
    const { loadSettings } = await import('../../config/index.js');
    return loadSettings({ env: context.io.env, envFile: options.envFile });
  };
  const show = config
    .command('show')
    .description('print every setting with its value and where it came from (secrets masked)')
    .option('--env-file <file>', 'settings file to read (default: ./.env when present)')
    .option('--json', 'print JSON instead of a table')
    .action(async () => {
      const options = show.opts<RawConfigOptions>();
      const loaded = await load(options);
      const { describeSettings } = await import('../../config/index.js');
      const rows = describeSettings(loaded);
      if (options.json === true) {
        writeLine(
          context.io.stdout,
          JSON.stringify({ envFile: loaded.envFile ?? null, settings: rows }, null, 2),
        );
        return;
      }
      writeLine(
        context.io.stdout,
        formatTable(rows, [
          { header: 'setting', value: (r) => r.name },
          { header: 'value', value: (r) => r.value },
          { header: 'from', value: (r) => r.source },
        ]),
      );
    });
  const check = config
    .command('check')
    .description('validate the settings; exit 0 when they are usable, 2 with the first problem')
    .option('--env-file <file>', 'settings file to read (default: ./.env when present)')
    .action(async () => {
      const loaded = await load(check.opts<RawConfigOptions>());
      const { settings } = loaded;
      writeLine(
        context.io.stdout,
        `settings ok${loaded.envFile === undefined ? '' : ` (with ${loaded.envFile})`}: log ${settings.log.kind}` +
          `${settings.log.kind === 'kafka' ? ` (${settings.log.kafka?.brokers.join(',') ?? ''})` : ` (${settings.log.dir})`}, ` +
          `lake ${settings.lake.uri}, MLflow ${settings.mlflow.trackingUri}, server ${settings.server.host}:${settings.server.port}`,
      );
    });
}
