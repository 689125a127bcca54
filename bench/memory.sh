#!/usr/bin/env bash
# Peak resident memory of `pqa ingest` against the size of one CSV file: with
# streaming ingest it should stay flat as the file grows.
#
#   bench/memory.sh [ROWS ...]   attendance rows in the one file (default: 1000000 10000000)
#
# 300000000 rows is a ~10 GB file (needs ~25 GB of free disk).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
if [ ${#SIZES[@]} -eq 0 ]; then SIZES=(1000000 10000000); fi
BENCH=target/bench
source bench/project.sh

for rows in "${SIZES[@]}"; do
    dir="$BENCH/memory-$rows"
    bench_project "$dir" "$rows" 0 1
    bytes=$(csv_bytes "$dir")
    /usr/bin/time -f "%e %M" -o "$dir/pqa.time" "$PQA" --project "$dir/pqa.yaml" ingest > "$dir/ingest.log" 2>&1
    read -r seconds kb < "$dir/pqa.time"
    printf "memory  one file of %6d MB (%d rows): pqa ingest %7.1f s, peak resident %5d MB\n" \
        $((bytes / 1000000)) "$rows" "$seconds" $((kb / 1024)) | tee -a "$BENCH/results.txt"
    rm -rf "$dir"
done
