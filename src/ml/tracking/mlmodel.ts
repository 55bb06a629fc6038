// The `MLmodel` file that makes a folder of run artifacts an MLflow model
// (https://mlflow.org/docs/latest/ml/model/#storage-format): YAML naming the flavors that
// can load the folder, the run that logged it and when.
//
// Pitwall writes one flavor, `pitwall`, naming its model file and that file's format
// version. It writes no `python_function` flavor: pyfunc needs a Python module that loads
// and runs the model (`loader_module`), and Pitwall's forest runs in TypeScript only, so
// `mlflow.pyfunc.load_model` would have nothing to call. MLflow's UI, registry and artifact
// download work without it; serving goes through Pitwall's own inference engine.
import { randomUUID } from 'node:crypto';
import { toYaml } from './file/store-files.js';

export const MLMODEL_FILE = 'MLmodel';
export const PITWALL_FLAVOR = 'pitwall';

/** One column of an MLflow column-based signature (`mlflow.types.ColSpec`). */
export interface SignatureColumn {
  readonly name: string;
  /** MLflow's data types: double, float, long, integer, boolean, string, binary, datetime. */
  readonly type:
    'double' | 'float' | 'long' | 'integer' | 'boolean' | 'string' | 'binary' | 'datetime';
  readonly required?: boolean;
}

export interface ModelSignature {
  readonly inputs: readonly SignatureColumn[];
  readonly outputs?: readonly SignatureColumn[];
}

export interface MlmodelSpec {
  /** The model file's name inside the model folder. */
  readonly modelFile: string;
  /** The version of Pitwall's model file format. */
  readonly formatVersion: number | string;
  readonly runId: string;
  /** Where the folder sits among the run's artifacts (`model`). */
  readonly artifactPath: string;
  /** Pitwall's package version, recorded in the flavor. */
  readonly pitwallVersion?: string;
  /** More fields of the `pitwall` flavor (class names, feature count, …). */
  readonly flavorFields?: Readonly<Record<string, string | number | boolean>>;
  readonly signature?: ModelSignature;
  /** Free-form metadata MLflow keeps with the model (`metadata:`). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly modelSizeBytes?: number;
  /** Default now. */
  readonly createdAt?: Date;
}

/** `2026-01-02 03:04:05.678000`: Python's `str(datetime)` of a naive UTC time, as MLflow writes it. */
function utcTimeCreated(date: Date): string {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

function signatureColumns(columns: readonly SignatureColumn[]): string {
  return JSON.stringify(
    columns.map((c) => ({ type: c.type, name: c.name, required: c.required ?? true })),
  );
}

/** The text of an `MLmodel` file for a Pitwall model. */
export function mlmodelYaml(spec: MlmodelSpec): string {
  const document: Record<string, unknown> = {
    artifact_path: spec.artifactPath,
    flavors: {
      [PITWALL_FLAVOR]: {
        ...(spec.flavorFields ?? {}),
        model_file: spec.modelFile,
        format_version: spec.formatVersion,
        ...(spec.pitwallVersion === undefined ? {} : { pitwall_version: spec.pitwallVersion }),
      },
    },
    model_uuid: randomUUID().replace(/-/g, ''),
    run_id: spec.runId,
    utc_time_created: utcTimeCreated(spec.createdAt ?? new Date()),
  };
  if (spec.signature !== undefined) {
    // MLflow stores each schema as a JSON string inside the YAML.
    document['signature'] = {
      inputs: signatureColumns(spec.signature.inputs),
      outputs:
        spec.signature.outputs === undefined ? null : signatureColumns(spec.signature.outputs),
      params: null,
    };
  }
  if (spec.metadata !== undefined) document['metadata'] = spec.metadata;
  if (spec.modelSizeBytes !== undefined) document['model_size_bytes'] = spec.modelSizeBytes;
  return toYaml(document);
}
