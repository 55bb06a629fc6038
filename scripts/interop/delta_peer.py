#!/usr/bin/env python3
"""Delta Lake peers for Pitwall's interop suite: delta-rs (`deltalake`) and Spark with Delta.

Reads (and, for the reverse direction, writes) Delta tables and prints what it saw in a
canonical JSON form that the TypeScript tests compare with what Pitwall wrote:

  string    -> string           long      -> decimal string (exact beyond 2^53)
  integer   -> number           double    -> number, or "NaN" / "Infinity" / "-Infinity" / "-0.0"
  boolean   -> true / false     timestamp -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, microseconds)
  date      -> "YYYY-MM-DD"     binary    -> base64
  null      -> null

Modes:
  delta_peer.py versions                      installed versions, as one JSON object
  delta_peer.py prefetch-jars --ivy DIR       resolves Delta's jars for Spark into DIR (network)
  delta_peer.py read [--engine E] [--version N] [--where SQL] PATH
                                              JSON lines: one {"meta": ...}, then {"row": ...}
  delta_peer.py serve [--jars a.jar,b.jar]    long-lived: one JSON request per stdin line, one
                                              response per request on stdout, prefixed with
                                              RESPONSE_PREFIX (Spark's JVM may print there too)

The Spark session starts lazily, once per process (10-20 s), so a test file keeps one
`serve` process for all its tables.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import math
import os
import sys
import tempfile
import traceback
from typing import Any, Callable

RESPONSE_PREFIX = "@@pitwall-interop "
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
DELTA_TYPES = ("string", "long", "integer", "double", "boolean", "timestamp", "date", "binary")


# ---------------------------------------------------------------------------------------
# Canonical values


def micros_to_iso(micros: int) -> str:
    t = EPOCH + dt.timedelta(microseconds=micros)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{t.microsecond:06d}Z"
    )


def datetime_micros(value: dt.datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return (value - EPOCH) // dt.timedelta(microseconds=1)


def iso_to_micros(text: str) -> int:
    t = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    delta = t - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def canonical_double(value: float) -> Any:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 and math.copysign(1.0, value) < 0:
        return "-0.0"
    return value


def from_canonical_double(value: Any) -> float:
    return float(value) if isinstance(value, str) else float(value)


def canonical(kind: str, value: Any) -> Any:
    """A Python value read by either engine -> its canonical JSON form."""
    if value is None:
        return None
    if kind == "long":
        return str(int(value))
    if kind == "integer":
        return int(value)
    if kind == "double":
        return canonical_double(float(value))
    if kind == "boolean":
        return bool(value)
    if kind == "timestamp":
        # Both engines hand over timestamps as integer microseconds (see the readers).
        return micros_to_iso(int(value))
    if kind == "date":
        return value.isoformat()
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "string":
        return str(value)
    raise ValueError(f"unsupported column type {kind}")


def python_value(kind: str, value: Any) -> Any:
    """A canonical JSON value -> the Python value writers take."""
    if value is None:
        return None
    if kind == "long":
        return int(value)
    if kind == "double":
        return from_canonical_double(value)
    if kind == "timestamp":
        return EPOCH + dt.timedelta(microseconds=iso_to_micros(value))
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "binary":
        return base64.b64decode(value)
    return value


def partition_value(schema: list[dict[str, Any]], name: str, value: Any) -> Any:
    """A typed partition value from delta-rs -> its canonical form."""
    kind = next((f["type"] for f in schema if f["name"] == name), "string")
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return micros_to_iso(datetime_micros(value))
    return canonical(kind, value)


def type_name(data_type: Any) -> str:
    """A delta-rs or Spark type -> its Delta schema name (unknown types keep their text)."""
    text = str(getattr(data_type, "type", None) or data_type.typeName())
    return {"bigint": "long", "int": "integer"}.get(text, text)


# ---------------------------------------------------------------------------------------
# delta-rs


def read_delta_rs(path: str, version: int | None, where: str | None = None) -> dict[str, Any]:
    import pyarrow as pa
    from deltalake import DeltaTable, QueryBuilder

    table = DeltaTable(path) if version is None else DeltaTable(path, version=version)
    schema = [
        {"name": f.name, "type": type_name(f.type), "nullable": bool(f.nullable)}
        for f in table.schema().fields
    ]
    if where is None:
        data = table.to_pyarrow_table()
    else:
        # DataFusion SQL, which prunes files with the log's partition values and statistics.
        query = QueryBuilder().register("t", table).execute(f"SELECT * FROM t WHERE {where}")
        data = pa.table(query.read_all())
    columns = []
    for field in schema:
        column = data.column(field["name"])
        if field["type"] == "timestamp":
            column = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
        columns.append((field["name"], field["type"], column.to_pylist()))
    rows = [
        {name: canonical(kind, values[i]) for name, kind, values in columns}
        for i in range(data.num_rows)
    ]
    files = []
    actions = table.get_add_actions(flatten=True)
    actions = pa.table(actions) if not isinstance(actions, pa.Table) else actions
    for entry in actions.to_pylist():
        stats: dict[str, Any] = {"numRecords": entry.get("num_records")}
        for key, value in entry.items():
            for prefix, bucket in (("min.", "min"), ("max.", "max"), ("null_count.", "nullCount")):
                if key.startswith(prefix):
                    name = key[len(prefix) :]
                    kind = next((f["type"] for f in schema if f["name"] == name), "string")
                    if bucket == "nullCount":
                        out = None if value is None else int(value)
                    elif kind == "timestamp" and isinstance(value, dt.datetime):
                        out = micros_to_iso(datetime_micros(value))
                    else:
                        out = canonical(kind, value)
                    stats.setdefault(bucket, {})[name] = out
        files.append(
            {
                "path": entry["path"],
                "size": entry.get("size_bytes"),
                # Typed by delta-rs: canonical values, compared by meaning, not by text.
                "partitionValues": {
                    key[len("partition.") :]: partition_value(schema, key[len("partition.") :], value)
                    for key, value in entry.items()
                    if key.startswith("partition.")
                },
                "stats": stats,
            }
        )
    return {
        "engine": "delta-rs",
        "version": table.version(),
        "schema": schema,
        "partitionColumns": list(table.metadata().partition_columns),
        "numFiles": len(table.file_uris()),
        "files": files,
        "numRows": len(rows),
        "rows": rows,
    }


def delta_rs_txn_version(path: str, app_id: str) -> int | None:
    from deltalake import DeltaTable

    return DeltaTable(path).transaction_version(app_id)


def write_delta_rs(request: dict[str, Any]) -> dict[str, Any]:
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    path = request["path"]
    if request.get("op") == "delete":
        table = DeltaTable(path)
        metrics = table.delete(request.get("predicate"))
        return {"version": table.version(), "metrics": metrics}
    if request.get("op") == "checkpoint":
        table = DeltaTable(path)
        table.create_checkpoint()
        return {"version": table.version()}
    arrow_types = {
        "string": pa.string(),
        "long": pa.int64(),
        "integer": pa.int32(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "date": pa.date32(),
        "binary": pa.binary(),
    }
    schema = request["schema"]
    arrow_schema = pa.schema(
        [pa.field(f["name"], arrow_types[f["type"]], f.get("nullable", True)) for f in schema]
    )
    arrays = [
        pa.array([python_value(f["type"], row.get(f["name"])) for row in request["rows"]],
                 arrow_types[f["type"]])
        for f in schema
    ]
    data = pa.Table.from_arrays(arrays, schema=arrow_schema)
    write_deltalake(
        path,
        data,
        mode=request.get("mode", "append"),
        partition_by=request.get("partitionBy") or None,
        configuration=request.get("configuration") or None,
    )
    return {"version": DeltaTable(path).version()}


# ---------------------------------------------------------------------------------------
# Spark


class Spark:
    """One local Spark session with Delta, started on first use."""

    def __init__(self, jars: list[str] | None = None, ivy: str | None = None) -> None:
        self.jars = jars or []
        self.ivy = ivy
        self._session: Any = None

    def builder(self) -> Any:
        from pyspark.sql import SparkSession

        return (
            SparkSession.builder.master(os.environ.get("PITWALL_SPARK_MASTER", "local[2]"))
            .appName("pitwall-interop")
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog",
            )
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.memory", "1g")
            # A short-lived JVM on 2 shared cores: the C1 compiler alone starts much faster.
            .config(
                "spark.driver.extraJavaOptions",
                os.environ.get(
                    "PITWALL_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
                ),
            )
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            # Dates and timestamps before 1582 as they are (proleptic Gregorian, as Delta
            # and Parquet define them), without Spark 2's calendar rebase or its refusal.
            .config("spark.sql.parquet.datetimeRebaseModeInWrite", "CORRECTED")
            .config("spark.sql.parquet.int96RebaseModeInWrite", "CORRECTED")
            .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
            .config("spark.sql.parquet.int96RebaseModeInRead", "CORRECTED")
            .config("spark.default.parallelism", "2")
            # Small test tables: don't let Delta spend time on background work.
            .config("spark.databricks.delta.snapshotPartitions", "2")
        )

    @property
    def session(self) -> Any:
        if self._session is None:
            builder = self.builder()
            if self.jars:
                # Jars fetched by `prefetch-jars`: no Ivy resolution, no network.
                builder = builder.config("spark.jars", ",".join(self.jars))
            else:
                from delta import configure_spark_with_delta_pip

                if self.ivy:
                    builder = builder.config("spark.jars.ivy", self.ivy)
                builder = configure_spark_with_delta_pip(builder)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def resolved_jars(self) -> list[str]:
        text = self.session.sparkContext.getConf().get("spark.jars", "")
        return [j.removeprefix("file://") for j in text.split(",") if j]

    def read(self, path: str, version: int | None, where: str | None = None) -> dict[str, Any]:
        from delta.tables import DeltaTable
        from pyspark.sql import functions as F

        spark = self.session
        reader = spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        frame = reader.load(path)
        num_files = len(frame.inputFiles())
        if where is not None:
            # Delta's data skipping prunes files with partition values and statistics.
            frame = frame.where(where)
        schema = [
            {"name": f.name, "type": type_name(f.dataType), "nullable": bool(f.nullable)}
            for f in frame.schema.fields
        ]
        # Timestamps leave the JVM as integer microseconds: no time zone conversion in Python.
        selected = frame.select(
            *[
                F.unix_micros(F.col(f["name"])).alias(f["name"])
                if f["type"] == "timestamp"
                else F.col(f["name"])
                for f in schema
            ]
        )
        rows = [
            {f["name"]: canonical(f["type"], row[f["name"]]) for f in schema}
            for row in selected.collect()
        ]
        table = DeltaTable.forPath(spark, path)
        detail = table.detail().collect()[0]
        latest = table.history(1).collect()[0]["version"]
        return {
            "engine": "spark",
            "version": latest if version is None else version,
            "schema": schema,
            "partitionColumns": list(detail["partitionColumns"]),
            "numFiles": num_files,
            "numRows": len(rows),
            "rows": rows,
        }

    def write(self, request: dict[str, Any]) -> dict[str, Any]:
        from delta.tables import DeltaTable
        from pyspark.sql import types as T

        spark = self.session
        path = request["path"]
        spark_types = {
            "string": T.StringType(),
            "long": T.LongType(),
            "integer": T.IntegerType(),
            "double": T.DoubleType(),
            "boolean": T.BooleanType(),
            "timestamp": T.TimestampType(),
            "date": T.DateType(),
            "binary": T.BinaryType(),
        }
        schema = request["schema"]
        struct = T.StructType(
            [T.StructField(f["name"], spark_types[f["type"]], f.get("nullable", True)) for f in schema]
        )
        rows = [
            tuple(python_value(f["type"], row.get(f["name"])) for f in schema)
            for row in request["rows"]
        ]
        # Spark's default Parquet timestamp is the legacy INT96; Delta allows either.
        spark.conf.set(
            "spark.sql.parquet.outputTimestampType", request.get("timestampType") or "INT96"
        )
        writer = spark.createDataFrame(rows, struct).write.format("delta")
        writer = writer.mode(request.get("mode", "append"))
        if request.get("partitionBy"):
            writer = writer.partitionBy(*request["partitionBy"])
        for key, value in (request.get("configuration") or {}).items():
            writer = writer.option(key, value)
        writer.save(path)
        return {"version": DeltaTable.forPath(spark, path).history(1).collect()[0]["version"]}

    def stop(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None


# ---------------------------------------------------------------------------------------
# Entry points


def versions() -> dict[str, Any]:
    from importlib.metadata import version

    out = {"python": sys.version.split()[0]}
    for name in ("deltalake", "pyarrow", "pyspark", "delta-spark"):
        try:
            out[name] = version(name)
        except Exception:  # noqa: BLE001 - a missing package is reported as null
            out[name] = None
    return out


def prefetch_jars(ivy: str) -> dict[str, Any]:
    """Starts Spark once with Ivy resolution into `ivy`, proves Delta works, lists the jars."""
    spark = Spark(ivy=ivy)
    try:
        jars = spark.resolved_jars()
        with tempfile.TemporaryDirectory(prefix="pitwall-interop-") as folder:
            path = os.path.join(folder, "probe")
            spark.session.range(3).write.format("delta").save(path)
            count = spark.session.read.format("delta").load(path).count()
        if count != 3:
            raise RuntimeError(f"Spark read {count} rows back from its probe table, not 3")
        return {"jars": jars}
    finally:
        spark.stop()


def handle(request: dict[str, Any], spark: Spark) -> Any:
    op = request.get("op", "read")
    engine = request.get("engine", "delta-rs")
    if engine not in ("delta-rs", "spark"):
        raise ValueError(f"unknown engine {engine!r}")
    if op == "read":
        version = request.get("version")
        where = request.get("where")
        if engine == "spark":
            return spark.read(request["path"], version, where)
        return read_delta_rs(request["path"], version, where)
    if op == "txnVersion":
        if engine != "delta-rs":
            raise ValueError("txnVersion is read with delta-rs")
        return {"version": delta_rs_txn_version(request["path"], request["appId"])}
    if op in ("write", "delete", "checkpoint"):
        if engine == "spark":
            if op != "write":
                raise ValueError(f"{op} is done with delta-rs")
            return spark.write(request)
        return write_delta_rs(request)
    if op == "ping":
        return {"pong": True}
    raise ValueError(f"unknown op {op!r}")


def respond(message: dict[str, Any]) -> None:
    sys.stdout.write(RESPONSE_PREFIX + json.dumps(message, allow_nan=False) + "\n")
    sys.stdout.flush()


def serve(spark: Spark) -> None:
    respond({"id": None, "ok": True, "result": {"ready": True, "versions": versions()}})
    for line in sys.stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            result = handle(request, spark)
            respond({"id": request_id, "ok": True, "result": result})
        except Exception as error:  # noqa: BLE001 - every failure goes back to the caller
            message = f"{type(error).__name__}: {error}"
            respond(
                {
                    "id": request_id,
                    "ok": False,
                    "error": message[:4000],
                    "trace": traceback.format_exc()[-4000:],
                }
            )
    spark.stop()


def default_jars() -> str:
    """The jars install.sh recorded in .cache/interop/env.json, when there is one."""
    folder = os.environ.get("PITWALL_INTEROP_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", ".cache", "interop"
    )
    try:
        with open(os.path.join(folder, "env.json")) as f:
            return ",".join(json.load(f)["jars"])
    except (OSError, ValueError, KeyError):
        return ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("versions")
    prefetch = sub.add_parser("prefetch-jars")
    prefetch.add_argument("--ivy", required=True)
    read = sub.add_parser("read")
    read.add_argument("path")
    read.add_argument("--engine", choices=("delta-rs", "spark"), default="delta-rs")
    read.add_argument("--version", type=int)
    read.add_argument("--where", help="an SQL condition (Spark SQL or DataFusion SQL)")
    read.add_argument("--jars", default=os.environ.get("PITWALL_INTEROP_JARS") or default_jars())
    server = sub.add_parser("serve")
    server.add_argument("--jars", default=os.environ.get("PITWALL_INTEROP_JARS") or default_jars())
    args = parser.parse_args(argv)

    if args.mode == "versions":
        print(json.dumps(versions()))
    elif args.mode == "prefetch-jars":
        print(json.dumps(prefetch_jars(os.path.abspath(args.ivy))))
    elif args.mode == "read":
        spark = Spark(jars=[j for j in args.jars.split(",") if j])
        try:
            result = handle({"op": "read", "engine": args.engine, "path": args.path,
                             "version": args.version, "where": args.where}, spark)
        finally:
            spark.stop()
        rows = result.pop("rows")
        print(json.dumps({"meta": result}, allow_nan=False))
        for row in rows:
            print(json.dumps({"row": row}, allow_nan=False))
    else:
        serve(Spark(jars=[j for j in args.jars.split(",") if j]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
