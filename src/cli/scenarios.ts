// Scenarios named on the command line: a file path, or the name of a shipped scenario.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { SCENARIOS_DIR } from '../paths.js';
import { loadScenario, type Scenario } from '../sim/scenario.js';

/** Names of the scenarios in `scenarios/`, sorted. */
export function shippedScenarioNames(): string[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * Loads the scenario `text` names. A bare word that is not a shipped scenario gets a
 * usage error listing the shipped ones; file problems are ScenarioErrors from the loader.
 */
export function loadScenarioArgument(option: string, text: string): Scenario {
  // The same test `loadScenario` uses to tell a file from a name.
  const isFile = /[\\/]|\.(json|ya?ml)$/.test(text);
  if (!isFile && !existsSync(path.join(SCENARIOS_DIR, `${text}.yaml`))) {
    throw new UsageError(
      `${option}: no file or shipped scenario named ${JSON.stringify(text)} (shipped: ${shippedScenarioNames().join(', ')})`,
    );
  }
  return loadScenario(text);
}
