#!/usr/bin/env bash
# Byte-level snapshot of what evimpact writes, for refactors that must not change one byte.
#
#   scripts/snapshot.sh BIN DIR      # runs BIN on a fixed set of studies into DIR, then
#                                    # writes DIR/SHA256SUMS (every output file's hash)
#   diff <(cut -c1-200 A/SHA256SUMS) <(cut -c1-200 B/SHA256SUMS)
#
# The set: the reference study; the CI escaping fixture; a cross-market study with FF3 and
# Dimson models (US + CN); a flag-only run with every policy changed; a synthetic panel
# (halts, limit moves, long price file); `evimpact chart all`; a small `simulate`.
# Needs the shared data (EVIMPACT_DATA or ../shared/data). Paths inside summary.json are
# (and the reports) are rewritten, so two snapshots taken in different folders compare.
set -euo pipefail
BIN=$(realpath "$1")
DIR=$2
cd "$(dirname "$0")/.."
DATA=${EVIMPACT_DATA:-$(cd .. && pwd)/shared/data}
export EVIMPACT_DATA=$DATA
rm -rf "$DIR"
mkdir -p "$DIR"
DIR=$(realpath "$DIR")
run() { "$BIN" "$@" --quiet; }

run run data/studies/entity-list-2019.toml --out "$DIR/reference"
run run data/studies/entity-list-2019.toml --events tests/fixtures/report/events-xss.csv \
  --out "$DIR/xss"

cat > "$DIR/events-us-cn.csv" <<'EOF'
event_id,security,entity,date
HW,QCOM,Qualcomm,2019-05-16
HW,MU,Micron,2019-05-16
HW,INTC,Intel,2019-05-16
HW,XLNX,Xilinx,2019-05-16
TARIFF,QCOM,Qualcomm,2018-03-22
TARIFF,MU,Micron,2018-03-22
EL,002415.SZ,Hikvision,2019-10-07
EL,300188.SZ,Meiya Pico,2019-10-07
MP,300188.SZ,Meiya Pico,2019-03-28
EOF
common=(--events "$DIR/events-us-cn.csv" --prices prices/us --prices prices/cn
  --markets XNYS=indices/us/GSPC.csv --markets XSHG=indices/cn/000300.SH.csv)
run run "${common[@]}" --model ff3 --factors factors/ff3_daily.csv --factor-units percent \
  --out "$DIR/ff3"
run run "${common[@]}" --model dimson --dimson-lags 2 --out "$DIR/dimson"
run run "${common[@]}" --returns log --rule previous --halt-policy exclude_days \
  --limit-policy accumulate --estimation=-200:-6 --window=-5:5 --car=-1:1 --car=0:3 \
  --min-estimation 100 --out "$DIR/policies"

"$BIN" synth --securities 40 --sessions 700 --events 300 --seed 7 --out "$DIR/synth" >/dev/null
events=$(ls "$DIR"/synth/events*.csv | head -1)
prices=$(ls -d "$DIR"/synth/prices* | head -1)
market=$(ls "$DIR"/synth/market*.csv | head -1)
cal=$(ls "$DIR"/synth/calendar*.csv | head -1)
halts=$(ls "$DIR"/synth/halts*.csv | head -1)
run run --events "$events" --prices "$prices" --market "$market" --calendar "$cal" \
  --halts "$halts" --out "$DIR/synth-run"
cp -r "$DIR/reference" "$DIR/chart"
"$BIN" chart all --out "$DIR/chart" --all >/dev/null
run simulate --prices "$DATA/prices/us" --market "$DATA/indices/us/GSPC.csv" --draws 40 \
  --events 10 --k 0 --k 0.01 --seed 3 --out "$DIR/simulate"

# Hash every file; in summary.json and the reports, absolute paths rewritten to "<DIR>" and
# "<DATA>".
cd "$DIR"
find . -type f ! -name SHA256SUMS | LC_ALL=C sort | while read -r f; do
  if [[ $f == */summary.json || $f == */report.md || $f == */report.html ]]; then
    printf '%s  %s\n' "$(sed -e "s#$DIR#<DIR>#g" -e "s#$DATA#<DATA>#g" "$f" | sha256sum | cut -d' ' -f1)" "$f"
  else
    sha256sum "$f"
  fi
done > SHA256SUMS
echo "$(wc -l < SHA256SUMS) files hashed in $DIR/SHA256SUMS"
