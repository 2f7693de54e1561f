#!/usr/bin/env bash
# evimpact vs a vectorised numpy/pandas script of the same market-model study (issue 15).
#
#   scripts/bench/compare.sh EVIMPACT_BIN [SECURITIESxSESSIONSxEVENTS] [PAIRS]
#   scripts/bench/compare.sh target/release/evimpact 1000x2520x10000 5
#
# 1. generates the synthetic panel with `EVIMPACT_BIN synth` (seed 42) into $WORK/panel and
#    concatenates its price files into one long CSV (prices_long.csv, `security` column first);
# 2. runs, PAIRS times, evimpact and numpy_study.py alternately (pair 1 evimpact first, pair 2
#    numpy first, ...), each under /usr/bin/time -v, each writing its outputs into a fresh
#    directory: evimpact every output (`run`, as in benches/pipeline.rs but from the long CSV),
#    numpy ar/car/caar/tests/model/skipped CSVs;
# 3. runs the polars FLOOR (bare CSV read + per-security returns) PAIRS times;
# 4. prints the median wall time and the peak RSS of each, and the ratio numpy / evimpact;
# 5. with CHECK=1 (default), compares the last outputs of both (compare_outputs.py).
#
# Environment: WORK (default /tmp/evimpact-compare-<size>), PY (default /work/venv-bench/bin/python),
# SEED (42), NUMPY_ARGS (extra arguments of numpy_study.py, e.g. "--csv-engine c --writer pandas"
# for plain pandas), CHECK (1), FLOOR (1: run the polars floor), KEEP (0: delete the outputs),
# NUMPY_ONLY (0; 1: time numpy_study.py and the floor only, EVIMPACT_BIN then only generates
# the panel, e.g. with a debug build).
# numpy runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (set on some machines for old
# OpenBLAS builds; they slow a current numpy); evimpact runs in the caller's environment.
set -euo pipefail

BIN=${1:?usage: compare.sh EVIMPACT_BIN [SxTxE] [PAIRS]}
SIZE=${2:-1000x2520x10000}
PAIRS=${3:-5}
SEED=${SEED:-42}
PY=${PY:-/work/venv-bench/bin/python}
CHECK=${CHECK:-1}
FLOOR=${FLOOR:-1}
NUMPY_ARGS=${NUMPY_ARGS:-}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
IFS=x read -r NSEC NSES NEV <<<"$SIZE"
[[ -n "${NEV:-}" ]] || { echo "size must be SECURITIESxSESSIONSxEVENTS, got $SIZE" >&2; exit 2; }
WORK=${WORK:-/tmp/evimpact-compare-$SIZE}

if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (apt-get install time)" >&2
  apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

mkdir -p "$WORK"
P=$WORK/panel
rm -rf "$P"
"$BIN" synth --securities "$NSEC" --sessions "$NSES" --events "$NEV" --seed "$SEED" --out "$P" >/dev/null
"$PY" "$HERE/make_long_csv.py" "$P/prices" "$P/prices_long.csv"

NP_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
echo "# evimpact vs numpy/pandas, $NSEC securities x $NSES sessions x $NEV events, seed $SEED, $PAIRS pairs"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine:  $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) before the runs"
echo "evimpact: $BIN ($("$BIN" --version 2>/dev/null || echo '?'))"
echo "prices:   $P/prices_long.csv, $(stat -c %s "$P/prices_long.csv") bytes, $(($(wc -l <"$P/prices_long.csv") - 1)) rows"
"${NP_ENV[@]}" "$PY" - <<'EOF'
import sys, numpy, pandas, scipy, threadpoolctl
try:
    import pyarrow; pa = pyarrow.__version__
except ImportError:
    pa = "absent"
info = threadpoolctl.threadpool_info()
blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} ({i.get('num_threads')} threads)" for i in info if i.get("user_api") == "blas")
print(f"python:   {sys.version.split()[0]}; numpy {numpy.__version__}, pandas {pandas.__version__}, scipy {scipy.__version__}, pyarrow {pa}")
print(f"BLAS:     {blas or 'none loaded'} (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset)")
EOF
echo "numpy:    numpy_study.py ${NUMPY_ARGS:-(defaults: --csv-engine pyarrow --writer arrow)}"
echo

EV_OUT=$WORK/out_evimpact
NP_OUT=$WORK/out_numpy
LOGS=$WORK/logs
rm -rf "$LOGS"
mkdir -p "$LOGS"

# run NAME I CMD...: one timed run; appends "wall_s rss_kib" to $LOGS/NAME.times
run() {
  local name=$1 i=$2
  shift 2
  local log=$LOGS/$name.$i.log
  if ! /usr/bin/time -v "$@" >"$log.out" 2>"$log"; then
    echo "$name run $i failed; last lines of $log:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(k=1;k<=n;k++) s=s*60+a[k]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$log")
  echo "$wall $rss" >>"$LOGS/$name.times"
  printf '  %-8s run %d: %6.2f s  %7.0f MiB\n' "$name" "$i" "$wall" "$(awk -v r="$rss" 'BEGIN{print r/1024}')"
}

ev_run() {
  rm -rf "$EV_OUT"
  run evimpact "$1" "$BIN" run --events "$P/events.csv" --prices "$P/prices_long.csv" \
    --market "$P/market.csv" --calendar "$P/calendar.csv" --halts "$P/halts.csv" \
    --estimation -260:-11 --window -10:10 --out "$EV_OUT"
}

np_run() {
  rm -rf "$NP_OUT"
  # shellcheck disable=SC2086
  run numpy "$1" "${NP_ENV[@]}" "$PY" "$HERE/numpy_study.py" --events "$P/events.csv" \
    --prices "$P/prices_long.csv" --market "$P/market.csv" --calendar "$P/calendar.csv" \
    --halts "$P/halts.csv" --estimation=-260:-11 --window=-10:10 $NUMPY_ARGS --out "$NP_OUT"
}

NUMPY_ONLY=${NUMPY_ONLY:-0}
for ((i = 1; i <= PAIRS; i++)); do
  if [[ "$NUMPY_ONLY" == 1 ]]; then np_run "$i"
  elif ((i % 2 == 1)); then ev_run "$i"; np_run "$i"
  else np_run "$i"; ev_run "$i"; fi
done
if [[ "$FLOOR" == 1 ]]; then
  for ((i = 1; i <= PAIRS; i++)); do
    run floor "$i" "$PY" "$HERE/floor_polars.py" "$P/prices_long.csv"
  done
fi
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
echo

# median wall, median and max peak RSS (MiB) of NAME (plain awk + sort: no gawk, no bc)
median() { sort -g | awk '{v[NR]=$1} END{if(NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
stats() {
  local f=$LOGS/$1.times
  printf '%.2f %.0f %.0f' "$(cut -d' ' -f1 "$f" | median)" \
    "$(cut -d' ' -f2 "$f" | median | awk '{print $1/1024}')" \
    "$(cut -d' ' -f2 "$f" | sort -g | tail -1 | awk '{print $1/1024}')"
}
read -r NW NR NM <<<"$(stats numpy)"
echo "| program | median wall s ($PAIRS runs) | median peak RSS MiB | max peak RSS MiB |"
echo "| --- | ---: | ---: | ---: |"
if [[ "$NUMPY_ONLY" != 1 ]]; then
  read -r EW ER EM <<<"$(stats evimpact)"
  echo "| evimpact run (every output) | $EW | $ER | $EM |"
fi
echo "| numpy_study.py (ar/car/caar/tests CSVs) | $NW | $NR | $NM |"
if [[ "$FLOOR" == 1 ]]; then
  read -r FW FR FM <<<"$(stats floor)"
  echo "| FLOOR: polars read + per-security returns (reference only) | $FW | $FR | $FM |"
fi
echo
if [[ "$NUMPY_ONLY" != 1 ]]; then
  echo "ratio numpy / evimpact (median wall): $(awk -v a="$NW" -v b="$EW" 'BEGIN{printf "%.2f", a/b}')x (above 1: evimpact is faster)"
fi
echo "logs: $LOGS"

if [[ "$CHECK" == 1 && "$NUMPY_ONLY" != 1 ]]; then
  echo
  echo "## outputs of the last runs compared (not timed)"
  "$PY" "$HERE/compare_outputs.py" "$EV_OUT" "$NP_OUT" || echo "(outputs differ: see above)"
fi
if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$EV_OUT" "$NP_OUT"; fi
