// Pitwall's inference engine behind the cockpit's StyleModelSource: a model URI is
// resolved through the registry (`models:/driving-style@production`, `runs:/<id>/model`, a
// folder), loaded, and every cockpit or fleet vehicle gets an InferenceEngine over it.
import { ERROR_CODES, isPitwallError } from '../errors.js';
import {
  InferenceEngine,
  registryModelResolver,
  type ModelResolver,
  type StyleModel as InferenceModel,
} from '../inference/index.js';
import type { ResolveModelOptions } from '../ml/registry/index.js';
import type { StyleEngine, StyleModel, StyleModelSource } from './style-model.js';

/** What a URI publishes now; throws a TrackingError (not found) when there is none. */
export type InferenceModelResolver = (uri: string) => ModelResolver;

/** A loaded inference model as the cockpit uses it: one engine per vehicle. */
export function engineStyleModel(model: InferenceModel): StyleModel {
  return {
    version: model.version,
    labels: model.classes,
    createEngine(): StyleEngine {
      const engine = new InferenceEngine({ model });
      return {
        addSample: (sample) => void engine.addSample(sample),
        getPrediction: () => engine.getPrediction(),
        warmupProgress: () => {
          const warmup = engine.warmup();
          return warmup.ready ? 1 : Math.min(1, warmup.seconds / warmup.needed);
        },
      };
    },
  };
}

/**
 * A source that asks `resolverFor(uri)` which version is published and loads it only when
 * that version is new, so polling an unchanged alias costs one registry look-up. "Not
 * found" becomes a missing model with the reason; other failures are thrown.
 */
export function resolverModelSource(resolverFor: InferenceModelResolver): StyleModelSource {
  let cached: { uri: string; version: string; model: StyleModel } | undefined;
  return {
    async open(uri) {
      try {
        const published = await resolverFor(uri)();
        if (cached?.uri === uri && cached.version === published.version) {
          return { model: cached.model };
        }
        const model = engineStyleModel(await published.load());
        cached = { uri, version: published.version, model };
        return { model };
      } catch (error) {
        if (isPitwallError(error) && error.code === ERROR_CODES.trackingNotFound) {
          return {
            model: undefined,
            reason: `no model at ${uri} yet: ${error.message} (train one: pitwall train --register driving-style --alias production)`,
          };
        }
        throw error;
      }
    },
  };
}

/**
 * Models from Pitwall's registry and tracking store (a local MLflow file store or a
 * server), through the inference module's loader.
 */
export function inferenceModelSource(options: ResolveModelOptions = {}): StyleModelSource {
  return resolverModelSource((uri) => registryModelResolver(uri, options));
}
