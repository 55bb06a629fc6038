"""MLflow's own Python client as a peer for Pitwall's tracking and registry.

Run with the ml venv's python (.cache/interop/env.json -> ml_python). Each command prints
one JSON document on stdout (MLflow's logging goes to stderr):

  read     --tracking-uri URI --run-id ID [--model NAME --alias ALIAS] [--download-dir DIR]
           what MlflowClient sees of a run (experiment, info, params, tags, latest metrics,
           metric histories, artifacts) and of a registered model (versions, aliases, the
           version behind the alias, the model folder downloaded through models:/NAME@ALIAS
           and its MLmodel as mlflow.models.Model parses it).
  write    --tracking-uri URI --experiment NAME --artifact FILE [--model NAME --alias ALIAS]
           logs a run the way MLflow users do (params, metrics with steps, tags, an artifact,
           a model folder with an MLmodel) and registers it; prints the ids for Pitwall to read.

Floats that JSON cannot carry are spelled "NaN", "Infinity", "-Infinity".
"""

import argparse
import json
import math
import os
import sys
import tempfile

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.models import Model  # noqa: E402


def number(value):
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
    return value


def list_artifacts(client, run_id, path=None):
    out = []
    for info in client.list_artifacts(run_id, path):
        out.append({"path": info.path, "is_dir": info.is_dir, "file_size": info.file_size})
        if info.is_dir:
            out.extend(list_artifacts(client, run_id, info.path))
    return out


def version_json(mv):
    return {
        "name": mv.name,
        "version": str(mv.version),
        "source": mv.source,
        "run_id": mv.run_id,
        "status": mv.status,
        "current_stage": mv.current_stage,
        "tags": dict(mv.tags),
        "aliases": sorted(mv.aliases),
    }


def read(args):
    mlflow.set_tracking_uri(args.tracking_uri)
    mlflow.set_registry_uri(args.tracking_uri)
    client = MlflowClient(tracking_uri=args.tracking_uri, registry_uri=args.tracking_uri)
    run = client.get_run(args.run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    histories = {
        key: [
            {"timestamp": m.timestamp, "value": number(m.value), "step": m.step}
            for m in client.get_metric_history(args.run_id, key)
        ]
        for key in run.data.metrics
    }
    found = mlflow.search_runs(
        experiment_ids=[run.info.experiment_id], output_format="list", filter_string=""
    )
    out = {
        "experiment": {
            "experiment_id": experiment.experiment_id,
            "name": experiment.name,
            "artifact_location": experiment.artifact_location,
            "lifecycle_stage": experiment.lifecycle_stage,
            "tags": dict(experiment.tags),
        },
        "run": {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "experiment_id": run.info.experiment_id,
            "status": run.info.status,
            "start_time": run.info.start_time,
            "end_time": run.info.end_time,
            "artifact_uri": run.info.artifact_uri,
            "lifecycle_stage": run.info.lifecycle_stage,
            "user_id": run.info.user_id,
            "params": dict(run.data.params),
            "tags": dict(run.data.tags),
            "metrics": {k: number(v) for k, v in run.data.metrics.items()},
            "histories": histories,
        },
        "search_run_ids": sorted(r.info.run_id for r in found),
        "artifacts": list_artifacts(client, args.run_id),
    }
    if args.model:
        registered = client.get_registered_model(args.model)
        versions = client.search_model_versions(f"name='{args.model}'")
        out["registered_model"] = {
            "name": registered.name,
            "aliases": {alias: str(v) for alias, v in registered.aliases.items()},
            "tags": dict(registered.tags),
            "versions": sorted(
                (version_json(client.get_model_version(args.model, v.version)) for v in versions),
                key=lambda v: int(v["version"]),
            ),
        }
        if args.alias:
            by_alias = client.get_model_version_by_alias(args.model, args.alias)
            out["alias_version"] = version_json(by_alias)
            dest = args.download_dir or tempfile.mkdtemp(prefix="mlflow-peer-")
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{args.model}@{args.alias}", dst_path=dest
            )
            model = Model.load(local)
            out["downloaded"] = {
                "files": sorted(
                    os.path.relpath(os.path.join(root, name), local)
                    for root, _, names in os.walk(local)
                    for name in names
                ),
                "flavors": model.flavors,
                "run_id": model.run_id,
                "artifact_path": model.artifact_path,
                "signature_inputs": (
                    [{"name": c.name, "type": str(c.type)} for c in model.signature.inputs.inputs]
                    if model.signature is not None
                    else None
                ),
            }
    return out


def write(args):
    mlflow.set_tracking_uri(args.tracking_uri)
    mlflow.set_registry_uri(args.tracking_uri)
    client = MlflowClient(tracking_uri=args.tracking_uri, registry_uri=args.tracking_uri)
    experiment = client.get_experiment_by_name(args.experiment)
    experiment_id = (
        experiment.experiment_id if experiment else client.create_experiment(args.experiment)
    )
    run = client.create_run(experiment_id, run_name="written-by-mlflow", tags={"peer": "mlflow"})
    run_id = run.info.run_id
    client.log_param(run_id, "n_estimators", "100")
    for step, value in enumerate([0.5, 0.25, 0.125]):
        client.log_metric(run_id, "loss", value, timestamp=1_700_000_000_000 + step, step=step)
    client.log_artifact(run_id, args.artifact, "files")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = os.path.join(tmp, "model")
        os.makedirs(model_dir)
        with open(os.path.join(model_dir, "weights.txt"), "w") as f:
            f.write("w")
        Model(artifact_path="model", run_id=run_id, flavors={"custom": {"file": "weights.txt"}}).save(
            os.path.join(model_dir, "MLmodel")
        )
        client.log_artifacts(run_id, model_dir, "model")
    client.set_terminated(run_id)
    out = {"experiment_id": experiment_id, "run_id": run_id, "artifact_uri": run.info.artifact_uri}
    if args.model:
        try:
            client.create_registered_model(args.model)
        except mlflow.exceptions.MlflowException:
            pass
        mv = client.create_model_version(
            args.model, source=f"{run.info.artifact_uri}/model", run_id=run_id
        )
        if args.alias:
            client.set_registered_model_alias(args.model, args.alias, mv.version)
        out["version"] = str(mv.version)
    return out


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p_read = sub.add_parser("read")
    p_read.add_argument("--tracking-uri", required=True)
    p_read.add_argument("--run-id", required=True)
    p_read.add_argument("--model")
    p_read.add_argument("--alias")
    p_read.add_argument("--download-dir")
    p_write = sub.add_parser("write")
    p_write.add_argument("--tracking-uri", required=True)
    p_write.add_argument("--experiment", required=True)
    p_write.add_argument("--artifact", required=True)
    p_write.add_argument("--model")
    p_write.add_argument("--alias")
    args = parser.parse_args()
    result = read(args) if args.command == "read" else write(args)
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")


if __name__ == "__main__":
    main()
