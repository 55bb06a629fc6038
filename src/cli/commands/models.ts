// `pitwall models list|promote`: the model registry of the tracking URI (`--tracking-uri`,
// else MLFLOW_TRACKING_URI, else ./mlruns), local file store or MLflow server alike.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { writeLine, type CliContext } from '../context.js';
import { formatTable } from '../format.js';

const TRACKING_URI_HELP =
  'a folder or file: URI (MLflow file store) or http(s)://host:port (MLflow server); default MLFLOW_TRACKING_URI, then ./mlruns';

const EXAMPLES = `
Examples:
  pitwall models list                                        # ./mlruns, or MLFLOW_TRACKING_URI
  pitwall models list --json --tracking-uri http://127.0.0.1:5000
  pitwall models promote driving-style 3 --alias production  # point the alias at version 3`;

interface ModelsOptions {
  trackingUri?: string;
  json?: boolean;
  alias?: string;
}

function timestamp(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** The tracking options for the registry; a file store that does not exist yet is reported, not created. */
async function trackingOptions(
  options: ModelsOptions,
  context: CliContext,
): Promise<{
  trackingUri: string | undefined;
  env: NodeJS.ProcessEnv;
  missingStore: string | undefined;
}> {
  const env = context.io.env as NodeJS.ProcessEnv;
  if (options.trackingUri !== undefined && options.trackingUri.trim() === '') {
    throw new UsageError('--tracking-uri must not be empty');
  }
  const { trackingTargetOf } = await import('../../ml/tracking/tracking.js');
  const { TrackingError } = await import('../../errors.js');
  let target;
  try {
    target = trackingTargetOf({
      ...(options.trackingUri === undefined ? {} : { trackingUri: options.trackingUri }),
      env,
    });
  } catch (error) {
    // A bad --tracking-uri is a typing mistake (exit 2); a bad MLFLOW_TRACKING_URI is a setting.
    if (error instanceof TrackingError && options.trackingUri !== undefined) {
      throw new UsageError(`--tracking-uri: ${error.message}`);
    }
    if (error instanceof TrackingError) {
      throw new TrackingError(error.code, `MLFLOW_TRACKING_URI: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  const missingStore = target.kind === 'file' && !existsSync(target.root) ? target.root : undefined;
  return { trackingUri: options.trackingUri, env, missingStore };
}

/** Registers `models` and its subcommands on `program`. */
export function registerModels(program: Command, context: CliContext): void {
  const models = program
    .command('models')
    .description('list registered models and move their aliases (MLflow model registry)')
    .addHelpText('after', EXAMPLES);

  const list = models
    .command('list')
    .description('print every registered model version with its aliases and run')
    .option('--tracking-uri <uri>', TRACKING_URI_HELP)
    .option('--json', 'print JSON instead of a table')
    .action(async () => {
      const options = list.opts<ModelsOptions>();
      const { trackingUri, env, missingStore } = await trackingOptions(options, context);
      const { io } = context;
      if (missingStore !== undefined) {
        if (options.json === true) {
          writeLine(io.stdout, JSON.stringify({ trackingUri: missingStore, models: [] }, null, 2));
        } else {
          writeLine(io.stdout, `no registered models (no tracking store at ${missingStore})`);
        }
        return;
      }
      const { openRegistry } = await import('../../ml/registry/open.js');
      const registry = await openRegistry({
        ...(trackingUri === undefined ? {} : { trackingUri }),
        env,
      });
      try {
        const registered = await registry.listRegisteredModels();
        const rows = [];
        for (const model of registered) {
          rows.push({ model, versions: await registry.listModelVersions(model.name) });
        }
        if (options.json === true) {
          const out = {
            trackingUri: registry.uri,
            models: rows.map(({ model, versions }) => ({
              name: model.name,
              description: model.description ?? null,
              latestVersion: model.latestVersion ?? null,
              aliases: model.aliases,
              tags: model.tags,
              lastUpdatedTimestamp: model.lastUpdatedTimestamp ?? null,
              versions: versions.map((v) => ({
                version: v.version,
                aliases: v.aliases,
                runId: v.runId ?? null,
                source: v.source,
                status: v.status,
                creationTimestamp: v.creationTimestamp ?? null,
                tags: v.tags,
              })),
            })),
          };
          writeLine(io.stdout, JSON.stringify(out, null, 2));
          return;
        }
        if (rows.length === 0) {
          writeLine(io.stdout, `no registered models in ${registry.uri}`);
          return;
        }
        const table = rows.flatMap(({ model, versions }) =>
          versions.length === 0
            ? [
                {
                  name: model.name,
                  version: '-',
                  aliases: '',
                  runId: '',
                  created: timestamp(model.creationTimestamp),
                },
              ]
            : versions.map((v) => ({
                name: model.name,
                version: String(v.version),
                aliases: v.aliases.join(','),
                runId: v.runId ?? '',
                created: timestamp(v.creationTimestamp),
              })),
        );
        writeLine(
          io.stdout,
          formatTable(table, [
            { header: 'model', value: (r) => r.name },
            { header: 'version', value: (r) => r.version, align: 'right' },
            { header: 'aliases', value: (r) => r.aliases },
            { header: 'run', value: (r) => r.runId },
            { header: 'created (UTC)', value: (r) => r.created },
          ]),
        );
      } finally {
        registry.close();
      }
    });

  const promote = models
    .command('promote')
    .description('point an alias (production, champion, ...) at a model version')
    .argument('<name>', 'registered model name, e.g. driving-style')
    .argument('<version>', 'version number')
    .requiredOption('--alias <alias>', 'the alias to set, e.g. production')
    .option('--tracking-uri <uri>', TRACKING_URI_HELP)
    .option('--json', 'print the promoted version as JSON')
    .action(async (name: string, versionText: string) => {
      const options = promote.opts<ModelsOptions>();
      const { validateAlias, validateModelName, validateVersion } =
        await import('../../ml/tracking/validation.js');
      // Typing mistakes are usage errors (exit 2), found before any store is opened.
      let version: number;
      let alias: string;
      try {
        validateModelName(name);
        version = validateVersion(versionText);
        alias = validateAlias(options.alias);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      const { trackingUri, env, missingStore } = await trackingOptions(options, context);
      if (missingStore !== undefined) {
        throw new UsageError(
          `no tracking store at ${missingStore}: nothing to promote (set --tracking-uri or MLFLOW_TRACKING_URI)`,
        );
      }
      const { openRegistry } = await import('../../ml/registry/open.js');
      const registry = await openRegistry({
        ...(trackingUri === undefined ? {} : { trackingUri }),
        env,
      });
      try {
        const before = (await registry.getRegisteredModel(name)).aliases[alias];
        await registry.setAlias(name, alias, version);
        const promoted = await registry.getVersionByAlias(name, alias);
        const { io } = context;
        if (options.json === true) {
          writeLine(
            io.stdout,
            JSON.stringify(
              {
                name,
                alias,
                version: promoted.version,
                previousVersion: before ?? null,
                runId: promoted.runId ?? null,
                source: promoted.source,
              },
              null,
              2,
            ),
          );
        } else {
          const was =
            before === undefined
              ? 'new alias'
              : before === version
                ? 'unchanged'
                : `was version ${before}`;
          writeLine(io.stdout, `${name}@${alias} -> version ${promoted.version} (${was})`);
        }
      } finally {
        registry.close();
      }
    });
}
