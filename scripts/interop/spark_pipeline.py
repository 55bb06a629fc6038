#!/usr/bin/env python3
"""Pitwall's silver and gold logic in Spark (local mode, with Delta), for `npm run bench -- pipeline`.

Reads the bronze Delta table Pitwall's ingest wrote and does what `pitwall pipeline run
--full-refresh` does, as a Spark user would write it:

  silver  value -> string -> from_json with the schema v1 structure (numbers as doubles), the
          checks and reason codes of docs/pipeline.md ("Validation policy") as far as Spark's
          parser lets them be told apart (see LIMITS), dedup by (session_id, seq) keeping the
          first arrival (ingest_time, topic, partition, offset), and the five silver tables
          written as Delta: telemetry (partitioned by event_date), session_events, sessions,
          quarantine, duplicates;
  gold    sql/gold/features.spark.sql (generated from the same feature spec as Pitwall's gold
          SQL) over the silver telemetry and sessions tables just written, written as Delta.

LIMITS (where Spark's JSON reader decides differently from Pitwall's silver): from_json does
not tell a missing field from a JSON null (both are null: a missing signal counts as a
dropout), and it returns null for a number given as a string instead of flagging it.

Usage:
  spark_pipeline.py --bronze PATH --out DIR --gold-sql FILE [--jars a.jar,b.jar]
                    [--master local[2]] [--max-offset N] [--shuffle-partitions N]
                    [--driver-memory 4g]

Prints one JSON line: {"jvm_start_s":..., "silver_s":..., "gold_s":..., "pipeline_s":...,
"bronze_rows":..., "telemetry":..., "quarantined":..., "duplicates":..., "session_events":...,
"gold_rows":...}. --max-offset N takes the bronze rows below offset N of each log partition
only (a subset, for machines where the full table takes too long).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

SIGNALS = [
    # name, type, min, max (src/telemetry/signals.ts)
    ("engine_rpm", "number", 0, 12000),
    ("speed_kmh", "number", 0, 400),
    ("throttle", "number", 0, 1),
    ("brake", "number", 0, 1),
    ("gear", "integer", 1, 10),
    ("engine_load_pct", "number", 0, 100),
    ("engine_torque_nm", "number", -400, 2000),
    ("coolant_temp_c", "number", -40, 150),
    ("oil_temp_c", "number", -40, 170),
    ("brake_temp_c", "number", -40, 1000),
    ("fuel_rate_lph", "number", 0, 150),
    ("fuel_l_per_100km", "number", 0, 1000),
    ("speed_limit_kmh", "integer", 0, 200),
    ("accel_mps2", "number", -20, 20),
    ("ambient_temp_c", "number", -50, 60),
    ("distance_km", "number", 0, 100000),
    ("fuel_used_l", "number", 0, 10000),
    ("engine_wear_pct", "number", 0, 100),
    ("gearbox_wear_pct", "number", 0, 100),
    ("brake_wear_pct", "number", 0, 100),
]
UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RFC3339 = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?"
    "([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
MAX_FUTURE_SECONDS = 3600
MAX_PAST_DAYS = 3650


def start_spark(args: argparse.Namespace):
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(args.master)
        .appName("pitwall-bench-pipeline")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
        .config("spark.sql.parquet.datetimeRebaseModeInWrite", "CORRECTED")
        .config("spark.sql.parquet.int96RebaseModeInWrite", "CORRECTED")
        .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
        .config("spark.sql.parquet.int96RebaseModeInRead", "CORRECTED")
        .config("spark.sql.parquet.compression.codec", "zstd")
        # Delta rebuilds a table's state with this many tasks (default 50): on 2 local cores
        # that is mostly scheduling overhead.
        .config("spark.databricks.delta.snapshotPartitions", "2")
    )
    if args.jars:
        builder = builder.config("spark.jars", args.jars)
    else:
        from delta import configure_spark_with_delta_pip

        builder = configure_spark_with_delta_pip(builder)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def event_schema():
    from pyspark.sql import types as T

    def number(kind: str):
        return T.DoubleType()

    signals = T.StructType([T.StructField(n, number(k)) for n, k, _, _ in SIGNALS])
    session = T.StructType(
        [
            T.StructField("car_id", T.StringType()),
            T.StructField("car_name", T.StringType()),
            T.StructField("driver_profile", T.StringType()),
            T.StructField("route_id", T.StringType()),
            T.StructField("seed", T.DoubleType()),
            T.StructField("session_index", T.DoubleType()),
            T.StructField("hz", T.DoubleType()),
            T.StructField("ambient_temp_c", T.DoubleType()),
            T.StructField("cargo_kg", T.DoubleType()),
            T.StructField("cold_start", T.BooleanType()),
            T.StructField("scenario", T.StringType()),
            T.StructField("simulator", T.StringType()),
        ]
    )
    summary = T.StructType(
        [
            T.StructField(n, T.DoubleType())
            for n in (
                "duration_s",
                "distance_km",
                "fuel_used_l",
                "avg_speed_kmh",
                "max_speed_kmh",
                "samples_emitted",
                "samples_lost",
            )
        ]
    )
    return T.StructType(
        [
            T.StructField("schema_version", T.DoubleType()),
            T.StructField("event_type", T.StringType()),
            T.StructField("event_id", T.StringType()),
            T.StructField("vehicle_id", T.StringType()),
            T.StructField("session_id", T.StringType()),
            T.StructField("seq", T.DoubleType()),
            T.StructField("event_time", T.StringType()),
            T.StructField("signals", signals),
            T.StructField("session", session),
            T.StructField("summary", summary),
        ]
    )


def silver(spark, args: argparse.Namespace) -> dict:
    from pyspark.sql import functions as F
    from pyspark.sql import Window

    bronze = spark.read.format("delta").load(args.bronze)
    if args.max_offset:
        bronze = bronze.where(F.col("offset") < args.max_offset)
    rows = bronze.select(
        F.col("topic").alias("bronze_topic"),
        F.col("partition").alias("bronze_partition"),
        F.col("offset").alias("bronze_offset"),
        "ingest_time",
        "value",
        "value_size",
        "value_class",
        F.when(
            F.col("value_class").isin("schema_v1", "other_json"),
            F.from_json(F.col("value").cast("string"), event_schema()),
        ).alias("e"),
    )
    e = F.col("e")
    s = F.col("e.signals")
    is_telemetry = e.event_type == "telemetry"
    is_session = e.event_type.isin("session_start", "session_end")
    event_time = F.when(e.event_time.rlike(RFC3339), F.to_timestamp(e.event_time))

    def integral(c):
        return c == F.floor(c)

    missing = [e.event_type.isNull(), e.event_id.isNull(), e.vehicle_id.isNull()]
    missing += [e.session_id.isNull(), e.seq.isNull(), e.event_time.isNull()]
    missing += [is_telemetry & s.isNull(), is_session & e.session.isNull()]
    missing += [(e.event_type == "session_end") & e.summary.isNull()]
    wrong_type = [e.seq.isNotNull() & ~integral(e.seq)]
    wrong_type += [is_telemetry & s[n].isNotNull() & ~integral(s[n]) for n, k, _, _ in SIGNALS if k == "integer"]
    violation = [
        e.event_type.isNotNull() & ~(is_telemetry | is_session),
        e.event_id.isNotNull() & ~e.event_id.rlike(UUID),
        e.session_id.isNotNull() & ~e.session_id.rlike(UUID),
        e.vehicle_id.isNotNull() & ~F.length(e.vehicle_id).between(1, 64),
        e.event_time.isNotNull() & event_time.isNull(),
    ]
    out_of_range = [e.seq < 0]
    out_of_range += [
        is_telemetry & s[n].isNotNull() & (F.isnan(s[n]) | ~s[n].between(lo, hi))
        for n, _, lo, hi in SIGNALS
    ]
    skew = (event_time > F.col("ingest_time") + F.expr(f"INTERVAL {MAX_FUTURE_SECONDS} SECONDS")) | (
        event_time < F.col("ingest_time") - F.expr(f"INTERVAL {MAX_PAST_DAYS} DAYS")
    )

    def any_of(conditions):
        out = F.lit(False)
        for c in conditions:
            out = out | F.coalesce(c, F.lit(False))
        return out

    reasons = (
        F.when(e.isNull(), F.lit("unparseable"))
        .when(e.schema_version.isNotNull() & (e.schema_version != 1), F.lit("unsupported_schema_version"))
        .otherwise(
            F.concat_ws(
                ",",
                F.when(e.schema_version.isNull() | any_of(missing), F.lit("missing_field")),
                F.when(any_of(wrong_type), F.lit("wrong_type")),
                F.when(any_of(violation), F.lit("schema_violation")),
                F.when(any_of(out_of_range), F.lit("out_of_range")),
                F.when(F.coalesce(skew, F.lit(False)), F.lit("clock_skew")),
            )
        )
    )
    # Cached: five tables and the counts read it. The raw bytes are kept for quarantine only.
    parsed = rows.select(
        *[c for c in rows.columns if c != "value"],
        F.when(reasons != "", F.col("value")).alias("value"),
        reasons.alias("reasons"),
        e.event_type.alias("event_type"),
        e.session_id.alias("session_id"),
        e.vehicle_id.alias("vehicle_id"),
        e.seq.cast("long").alias("seq"),
        e.event_id.alias("event_id"),
        event_time.alias("event_time"),
    ).cache()

    valid = parsed.where(F.col("reasons") == "")
    order = Window.partitionBy("session_id", "seq").orderBy(
        "ingest_time", "bronze_topic", "bronze_partition", "bronze_offset"
    )
    ranked = valid.select(
        "*",
        F.row_number().over(order).alias("arrival"),
        F.first(F.struct("bronze_topic", "bronze_partition", "bronze_offset")).over(order).alias("original"),
    ).cache()
    kept = ranked.where(F.col("arrival") == 1)

    telemetry = kept.where(F.col("event_type") == "telemetry").select(
        F.to_date("event_time").alias("event_date"),
        "session_id",
        "vehicle_id",
        "seq",
        "event_id",
        "event_time",
        *[
            (s[n].cast("int") if n == "gear" else s[n]).alias(n)
            for n, _, _, _ in SIGNALS
        ],
        "bronze_topic",
        "bronze_partition",
        "bronze_offset",
        "ingest_time",
    )
    session_events = kept.where(F.col("event_type") != "telemetry").select(
        "session_id",
        "vehicle_id",
        "seq",
        "event_id",
        "event_type",
        "event_time",
        *[F.col(f"e.session.{n}").alias(n) for n in ("car_id", "car_name", "driver_profile", "route_id")],
        F.col("e.session.seed").cast("long").alias("seed"),
        F.col("e.session.session_index").cast("long").alias("session_index"),
        *[F.col(f"e.session.{n}").alias(n) for n in ("hz", "ambient_temp_c", "cargo_kg", "cold_start", "scenario", "simulator")],
        *[F.col(f"e.summary.{n}").alias(n) for n in ("duration_s", "distance_km", "fuel_used_l", "avg_speed_kmh", "max_speed_kmh")],
        F.col("e.summary.samples_emitted").cast("long").alias("samples_emitted"),
        F.col("e.summary.samples_lost").cast("long").alias("samples_lost"),
        "bronze_topic",
        "bronze_partition",
        "bronze_offset",
        "ingest_time",
    )
    quarantine = parsed.where(F.col("reasons") != "").select(
        "bronze_topic",
        "bronze_partition",
        "bronze_offset",
        "ingest_time",
        F.split("reasons", ",")[0].alias("reason"),
        "reasons",
        "session_id",
        "seq",
        "event_type",
        "value_size",
        "value",
    )
    duplicates = ranked.where(F.col("arrival") > 1).select(
        "session_id",
        "seq",
        "event_id",
        "event_type",
        "event_time",
        "bronze_topic",
        "bronze_partition",
        "bronze_offset",
        "ingest_time",
        F.col("original.bronze_topic").alias("original_topic"),
        F.col("original.bronze_partition").alias("original_partition"),
        F.col("original.bronze_offset").alias("original_offset"),
        "value_size",
    )

    out = args.out

    def timed(label: str, action) -> None:
        started = time.perf_counter()
        action()
        print(f"spark: {label} {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)

    timed("parse + cache", lambda: parsed.count())
    timed("dedup + cache", lambda: ranked.count())
    timed(
        "telemetry",
        lambda: telemetry.write.format("delta")
        .mode("overwrite")
        .partitionBy("event_date")
        .save(f"{out}/silver/telemetry"),
    )
    timed(
        "session events",
        lambda: session_events.write.format("delta").mode("overwrite").save(f"{out}/silver/session_events"),
    )
    timed(
        "quarantine",
        lambda: quarantine.write.format("delta").mode("overwrite").save(f"{out}/silver/quarantine"),
    )
    timed(
        "duplicates",
        lambda: duplicates.write.format("delta").mode("overwrite").save(f"{out}/silver/duplicates"),
    )

    events = spark.read.format("delta").load(f"{out}/silver/session_events")
    info = events.groupBy("session_id").agg(
        F.min_by("vehicle_id", "seq").alias("vehicle_id"),
        F.min_by("driver_profile", "seq").alias("driver_profile"),
        F.min(F.when(F.col("event_type") == "session_start", F.col("event_time"))).alias("started_at"),
        F.max(F.when(F.col("event_type") == "session_end", F.col("event_time"))).alias("ended_at"),
        F.max("samples_emitted").alias("samples_emitted"),
    )
    written = spark.read.format("delta").load(f"{out}/silver/telemetry")
    counts = written.groupBy("session_id").agg(
        F.min("vehicle_id").alias("telemetry_vehicle_id"),
        F.min("event_time").alias("first_event_time"),
        F.max("event_time").alias("last_event_time"),
        F.count(F.lit(1)).alias("telemetry_events"),
    )
    dups = duplicates.groupBy("session_id").agg(F.count(F.lit(1)).alias("duplicate_events"))
    sessions = (
        info.join(counts, "session_id", "full_outer")
        .join(dups, "session_id", "left")
        .select(
            "session_id",
            F.coalesce("vehicle_id", "telemetry_vehicle_id").alias("vehicle_id"),
            "driver_profile",
            "started_at",
            "ended_at",
            "first_event_time",
            "last_event_time",
            F.coalesce("telemetry_events", F.lit(0)).alias("telemetry_events"),
            F.coalesce("duplicate_events", F.lit(0)).alias("duplicate_events"),
            "samples_emitted",
        )
    )
    timed("sessions", lambda: sessions.write.format("delta").mode("overwrite").save(f"{out}/silver/sessions"))

    totals = parsed.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.when(F.col("reasons") != "", 1).otherwise(0)).alias("quarantined"),
    ).collect()[0]
    dup_count = spark.read.format("delta").load(f"{out}/silver/duplicates").count()
    return {
        "bronze_rows": int(totals["rows"]),
        "quarantined": int(totals["quarantined"] or 0),
        "duplicates": int(dup_count),
        "telemetry": int(written.count()),
        "session_events": int(events.count()),
    }


def gold(spark, args: argparse.Namespace) -> int:
    out = args.out
    spark.read.format("delta").load(f"{out}/silver/telemetry").createOrReplaceTempView("silver_telemetry")
    spark.read.format("delta").load(f"{out}/silver/sessions").createOrReplaceTempView("silver_sessions")
    with open(args.gold_sql, encoding="utf-8") as handle:
        sql = handle.read()
    spark.sql(sql).write.format("delta").mode("overwrite").save(f"{out}/gold/features")
    return spark.read.format("delta").load(f"{out}/gold/features").count()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bronze", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--gold-sql", required=True)
    parser.add_argument("--jars", default="")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--max-offset", type=int, default=0)
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--driver-memory", default="4g")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    spark = start_spark(args)
    spark.range(1).count()  # the JVM, the session and Delta's classes are up
    jvm_start = time.perf_counter() - started

    t0 = time.perf_counter()
    figures = silver(spark, args)
    t1 = time.perf_counter()
    gold_rows = gold(spark, args)
    t2 = time.perf_counter()
    spark.stop()
    print(
        json.dumps(
            {
                "jvm_start_s": round(jvm_start, 3),
                "silver_s": round(t1 - t0, 3),
                "gold_s": round(t2 - t1, 3),
                "pipeline_s": round(t2 - t0, 3),
                **figures,
                "gold_rows": gold_rows,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
