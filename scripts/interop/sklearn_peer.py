#!/usr/bin/env python3
"""scikit-learn as the random forest's reference, for Pitwall's benchmark and interop test.

  sklearn_peer.py fit --train TRAIN.parquet --test TEST.parquet --label COLUMN
                      [--features a,b,c] [--trees 300] [--max-depth 12]
                      [--max-features sqrt] [--class-weight balanced] [--n-jobs 2]
                      [--random-state 42] [--predictions FILE]

Reads both files with pandas (pyarrow), fits RandomForestClassifier on the training set,
predicts the test set and prints one JSON object on stdout: fit and predict seconds (wall
clock, fit only, not the read), accuracy, balanced accuracy, macro F1, the classes and the
versions used. `--predictions FILE` also writes the predicted labels, one a line.
Without --features, every numeric column but the label is a feature. Missing values (NaN)
go to scikit-learn as they are (its trees route them since 1.4).
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    fit = sub.add_parser("fit")
    fit.add_argument("--train", required=True)
    fit.add_argument("--test", required=True)
    fit.add_argument("--label", required=True)
    fit.add_argument("--features")
    fit.add_argument("--trees", type=int, default=300)
    fit.add_argument("--max-depth", type=int, default=12)
    fit.add_argument("--max-features", default="sqrt")
    fit.add_argument("--class-weight", default="balanced")
    fit.add_argument("--n-jobs", type=int, default=2)
    fit.add_argument("--random-state", type=int, default=42)
    fit.add_argument("--predictions")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    train = pd.read_parquet(args.train)
    test = pd.read_parquet(args.test)
    if args.features:
        features = args.features.split(",")
    else:
        features = [
            c for c in train.columns if c != args.label and pd.api.types.is_numeric_dtype(train[c])
        ]
    x_train = train[features].to_numpy(dtype=np.float64)
    y_train = train[args.label].astype(str).to_numpy()
    x_test = test[features].to_numpy(dtype=np.float64)
    y_test = test[args.label].astype(str).to_numpy()

    max_features: object = args.max_features
    if args.max_features == "all":
        max_features = None
    elif args.max_features not in ("sqrt", "log2"):
        max_features = float(args.max_features) if "." in args.max_features else int(args.max_features)
    model = RandomForestClassifier(
        n_estimators=args.trees,
        max_depth=args.max_depth if args.max_depth > 0 else None,
        max_features=max_features,
        class_weight=None if args.class_weight == "none" else args.class_weight,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
    )
    started = time.perf_counter()
    model.fit(x_train, y_train)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    predicted = model.predict(x_test)
    predict_s = time.perf_counter() - started
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8") as out:
            out.write("\n".join(str(p) for p in predicted))
            out.write("\n")
    depths = [estimator.get_depth() for estimator in model.estimators_]
    nodes = [estimator.tree_.node_count for estimator in model.estimators_]
    print(
        json.dumps(
            {
                "fit_s": fit_s,
                "predict_s": predict_s,
                "n_train": int(len(y_train)),
                "n_test": int(len(y_test)),
                "n_features": len(features),
                "classes": [str(c) for c in model.classes_],
                "accuracy": float(accuracy_score(y_test, predicted)),
                "balanced_accuracy": float(balanced_accuracy_score(y_test, predicted)),
                "macro_f1": float(f1_score(y_test, predicted, average="macro")),
                "depth_mean": float(np.mean(depths)),
                "nodes": int(np.sum(nodes)),
                "feature_importances": [float(v) for v in model.feature_importances_],
                "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
