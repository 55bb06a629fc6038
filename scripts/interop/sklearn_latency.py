#!/usr/bin/env python3
"""scikit-learn's single-row predict_proba latency, for Pitwall's inference benchmark.

  sklearn_latency.py --train TRAIN.csv --label COLUMN [--trees 300] [--max-depth 12]
                     [--class-weight balanced] [--random-state 42] [--fit-n-jobs 2]
                     [--n-jobs 1,2] [--calls 300] [--warmup 20]

Fits RandomForestClassifier on the CSV (every column but the label is a feature; empty
cells are NaN, which scikit-learn's trees route since 1.4), then times `predict_proba` on
one row at a time — a (1, n_features) float64 array, the cheapest input scikit-learn
takes — for each `--n-jobs` setting, rows drawn in turn from the training set. Prints one
JSON object: fit seconds, the forest's size, and per n_jobs the p50/p99/mean latency in
microseconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--train", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--max-depth", type=int, default=12)
    parser.add_argument("--class-weight", default="balanced")
    parser.add_argument("--random-state", type=int, default=42)
    parser.add_argument("--fit-n-jobs", type=int, default=2)
    parser.add_argument("--n-jobs", default="1,2")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.ensemble import RandomForestClassifier

    table = pd.read_csv(args.train)
    features = [c for c in table.columns if c != args.label]
    x = table[features].to_numpy(dtype=np.float64)
    y = table[args.label].astype(str).to_numpy()

    forest = RandomForestClassifier(
        n_estimators=args.trees,
        max_depth=args.max_depth,
        class_weight=None if args.class_weight == "none" else args.class_weight,
        random_state=args.random_state,
        n_jobs=args.fit_n_jobs,
    )
    started = time.perf_counter()
    forest.fit(x, y)
    fit_s = time.perf_counter() - started

    latency = {}
    for n_jobs in [int(j) for j in args.n_jobs.split(",")]:
        forest.set_params(n_jobs=n_jobs)
        for k in range(args.warmup):
            forest.predict_proba(x[k : k + 1])
        times = []
        for k in range(args.calls):
            row = x[(k * 7919) % len(x) : (k * 7919) % len(x) + 1]
            t0 = time.perf_counter_ns()
            forest.predict_proba(row)
            times.append((time.perf_counter_ns() - t0) / 1000)
        times.sort()
        latency[str(n_jobs)] = {
            "p50_us": times[len(times) // 2],
            "p99_us": times[min(len(times) - 1, int(len(times) * 0.99))],
            "mean_us": sum(times) / len(times),
            "calls": len(times),
        }

    json.dump(
        {
            "fit_s": fit_s,
            "rows": int(x.shape[0]),
            "features": int(x.shape[1]),
            "trees": len(forest.estimators_),
            "nodes": int(sum(t.tree_.node_count for t in forest.estimators_)),
            "max_depth": int(max(t.tree_.max_depth for t in forest.estimators_)),
            "latency": latency,
            "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
