#!/usr/bin/env bash
# Installs the peers of `npm run test:interop`: delta-rs (`deltalake`) and Spark with Delta
# (`pyspark` + `delta-spark`), pinned in scripts/interop/requirements.txt, into a Python venv
# under .cache/interop/venv; MLflow and scikit-learn (scripts/interop/requirements-ml.txt)
# into a second venv, .cache/interop/ml-venv; then starts Spark once so Ivy fetches Delta's
# jars from Maven Central into .cache/interop/ivy, and records everything the tests need in
# .cache/interop/env.json. The tests then run offline. Idempotent: a second run only
# checks versions and files. Needs Python 3.10+ (with venv) and Java 17+.
#
#   scripts/interop/install.sh [--force]
#
# Environment: PITWALL_INTEROP_PYTHON (default python3), PITWALL_INTEROP_DIR (default
# <repo>/.cache/interop), JAVA_HOME (default: java on PATH).
set -euo pipefail

die() {
  echo "interop install: $*" >&2
  exit 1
}
say() { echo "interop install: $*"; }

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help)
      sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown option '$arg' (try --help)" ;;
  esac
done

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPTS/../.." && pwd)"
ROOT="${PITWALL_INTEROP_DIR:-$REPO_ROOT/.cache/interop}"
VENV="$ROOT/venv"
ML_VENV="$ROOT/ml-venv"
ML_REQUIREMENTS="$SCRIPTS/requirements-ml.txt"
ML_PY="$ML_VENV/bin/python"
IVY="$ROOT/ivy"
ENV_FILE="$ROOT/env.json"
REQUIREMENTS="$SCRIPTS/requirements.txt"
PEER="$SCRIPTS/delta_peer.py"
PY="$VENV/bin/python"
start=$(date +%s)

# --- prerequisites -----------------------------------------------------------------------
base_python="${PITWALL_INTEROP_PYTHON:-python3}"
command -v "$base_python" >/dev/null 2>&1 ||
  die "no '$base_python' on PATH: install Python 3.10+ (or set PITWALL_INTEROP_PYTHON)"
"$base_python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  die "$("$base_python" --version 2>&1) is too old: delta-spark 4 needs Python 3.10+ (set PITWALL_INTEROP_PYTHON)"

java_bin="java"
[[ -n "${JAVA_HOME:-}" ]] && java_bin="$JAVA_HOME/bin/java"
command -v "$java_bin" >/dev/null 2>&1 || die "no Java found: Spark 4 needs Java 17+ (apt-get install openjdk-17-jre-headless, or set JAVA_HOME)"
java_version=$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1)
[[ -n "$java_version" && "$java_version" -ge 17 ]] ||
  die "Java ${java_version:-?} found, Spark 4 needs Java 17+ (set JAVA_HOME)"

mkdir -p "$ROOT"
if [[ $force == 1 ]]; then
  say "--force: removing $VENV, $IVY and $ENV_FILE"
  rm -rf "$VENV" "$ML_VENV" "$IVY" "$ENV_FILE"
fi

# --- venv ----------------------------------------------------------------------------------
if [[ ! -x "$PY" ]]; then
  say "creating venv ${VENV#"$REPO_ROOT"/} with $("$base_python" --version 2>&1)"
  rm -rf "$VENV"
  "$base_python" -m venv "$VENV" ||
    die "'$base_python -m venv' failed: on Debian/Ubuntu install python3-venv (apt-get install python3-venv)"
fi

# --- packages ------------------------------------------------------------------------------
# The pins, as `name==version` lines, compared with what the venv has.
wanted=$(grep -Ev '^\s*(#|$)' "$REQUIREMENTS" | tr -d ' ' | tr 'A-Z_' 'a-z-' | sort)
installed=$("$PY" -m pip list --format=freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-' | sort || true)
missing=$(comm -23 <(echo "$wanted") <(echo "$installed"))
if [[ -n "$missing" ]]; then
  say "pip installing $(echo "$missing" | wc -l | tr -d ' ') pinned packages ($(echo "$missing" | tr '\n' ' '))"
  log="$ROOT/pip-install.log"
  if ! "$PY" -m pip install --disable-pip-version-check --no-input -r "$REQUIREMENTS" >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    die "pip install -r scripts/interop/requirements.txt failed (full log: $log)"
  fi
  missing=$(comm -23 <(echo "$wanted") <("$PY" -m pip list --format=freeze --disable-pip-version-check | tr 'A-Z_' 'a-z-' | sort))
  [[ -z "$missing" ]] || die "after pip install, still not at the pinned versions: $missing"
else
  say "packages: all $(echo "$wanted" | wc -l | tr -d ' ') pins already installed"
fi
versions=$("$PY" "$PEER" versions) || die "the venv's Python cannot run $PEER"

# --- the ML venv (MLflow, scikit-learn) ----------------------------------------------------
if [[ ! -x "$ML_PY" ]]; then
  say "creating venv ${ML_VENV#"$REPO_ROOT"/}"
  rm -rf "$ML_VENV"
  "$base_python" -m venv "$ML_VENV" || die "'$base_python -m venv' failed for $ML_VENV"
fi
ml_wanted=$(grep -Ev '^\s*(#|$)' "$ML_REQUIREMENTS" | tr -d ' ' | tr 'A-Z_' 'a-z-' | sort)
ml_installed=$("$ML_PY" -m pip list --format=freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-' | sort || true)
ml_missing=$(comm -23 <(echo "$ml_wanted") <(echo "$ml_installed"))
if [[ -n "$ml_missing" ]]; then
  say "pip installing the ML peers ($(echo "$ml_missing" | tr '\n' ' ')) (about two minutes)"
  log="$ROOT/pip-install-ml.log"
  if ! "$ML_PY" -m pip install --disable-pip-version-check --no-input -r "$ML_REQUIREMENTS" >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    die "pip install -r scripts/interop/requirements-ml.txt failed (full log: $log)"
  fi
else
  say "ML peers: all $(echo "$ml_wanted" | wc -l | tr -d ' ') pins already installed"
fi
ml_versions=$("$ML_PY" -c 'import json, mlflow, sklearn; print(json.dumps({"mlflow": mlflow.__version__, "scikit-learn": sklearn.__version__}))') ||
  die "the ML venv cannot import mlflow and sklearn"

# --- Delta jars for Spark --------------------------------------------------------------------
# Reuse the recorded jars when env.json matches these versions and every jar is still there.
jars=""
if [[ -f "$ENV_FILE" ]]; then
  jars=$("$PY" - "$ENV_FILE" "$versions" <<'EOF'
import json, os, sys
env = json.load(open(sys.argv[1]))
recorded = env.get("versions") or {}
ok = all(recorded.get(k) == v for k, v in json.loads(sys.argv[2]).items()) and env.get("jars") and all(
    os.path.isfile(j) for j in env["jars"])
print(json.dumps(env["jars"]) if ok else "")
EOF
  ) || jars=""
fi
if [[ -z "$jars" ]]; then
  say "starting Spark once so Ivy fetches Delta's jars from Maven Central into ${IVY#"$REPO_ROOT"/} (about a minute)"
  log="$ROOT/prefetch-jars.log"
  if ! out=$("$PY" "$PEER" prefetch-jars --ivy "$IVY" 2>"$log"); then
    grep -E 'not found|UNRESOLVED|Exception|Error' "$log" | head -n 15 >&2 || tail -n 25 "$log" >&2
    die "fetching Delta's jars for Spark failed (full log: $log)"
  fi
  jars=$(echo "$out" | tail -n 1 | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["jars"]))')
else
  say "Delta jars: $(echo "$jars" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))') already in ${IVY#"$REPO_ROOT"/}"
fi

# --- env.json --------------------------------------------------------------------------------
"$PY" - "$ENV_FILE" "$PY" "$versions" "$jars" "$java_version" "$ML_PY" "$ml_versions" <<'EOF'
import json, os, sys
path, python, versions, jars, java, ml_python, ml_versions = sys.argv[1:]
env = {
    "python": python,
    "ml_python": ml_python,
    "versions": {**json.loads(versions), **json.loads(ml_versions)},
    "java": java,
    "jars": json.loads(jars),
}
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(env, f, indent=2)
os.replace(tmp, path)
EOF

summary=$("$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))["versions"]; print(", ".join(f"{k} {v[k]}" for k in v))' "$ENV_FILE")
say "ready in $(($(date +%s) - start)) s: $summary, Java $java_version (${ENV_FILE#"$REPO_ROOT"/})"
