// The `pitwall` command tree. Commander reports its own errors by throwing (exitOverride)
// and prints nothing itself, so every error leaves as one line through `reportError`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { PACKAGE_ROOT } from '../paths.js';
import { registerCars } from './commands/cars.js';
import { registerConfig } from './commands/config.js';
import { registerDemo } from './commands/demo.js';
import { registerDq } from './commands/dq.js';
import { registerDrivers } from './commands/drivers.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerIngest } from './commands/ingest.js';
import { registerLake } from './commands/lake.js';
import { registerMl } from './commands/ml.js';
import { registerMlDataset } from './commands/ml-dataset.js';
import { registerModels } from './commands/models.js';
import { registerPipeline } from './commands/pipeline.js';
import { registerReplay } from './commands/replay.js';
import { registerScenario } from './commands/scenario.js';
import { registerScore } from './commands/score.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerTrain } from './commands/train.js';
import type { CliContext } from './context.js';

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

/** Builds the `pitwall` program; output goes to the context's streams. */
export function createProgram(context: CliContext): Command {
  const { io } = context;
  const program = new Command('pitwall')
    .description('Pitwall: vehicle-telemetry lakehouse - simulate a fleet and follow its data')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    // Settings set here are copied to every command created below with `.command()`.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {},
    });
  registerDemo(program, context);
  registerSimulate(program, context);
  registerReplay(program, context);
  registerCars(program, context);
  registerDrivers(program, context);
  registerScenario(program, context);
  registerIngest(program, context);
  registerLake(program, context);
  registerMlDataset(registerMl(program, context), context);
  registerModels(program, context);
  registerPipeline(program, context);
  registerScore(program, context);
  registerDq(program, context);
  registerTrain(program, context);
  registerEvaluate(program, context);
  registerServe(program, context);
  registerConfig(program, context);
  return program;
}
