# Sourced by bench/run.sh and bench/memory.sh: the binaries, and a project
# that reads only a generated inbox with the repository's feeds.
PQA="$PWD/target/${BENCH_PROFILE:-release}/pqa"
GEN="$PWD/target/${BENCH_PROFILE:-release}/pqa-sample-gen"

# bench_project DIR ATTENDANCE_ROWS CAMHS_ROWS FILES: a fresh DIR holding the
# generated files under inbox/ and a pqa.yaml over them.
bench_project() {
    local dir=$1
    rm -rf "$dir" && mkdir -p "$dir"
    "$GEN" --national "$dir" "$2" "$3" "$4" > /dev/null
    for d in pipelines schemas metrics vulnerabilities; do ln -s "$PWD/$d" "$dir/$d"; done
    printf 'partnership: Benchmark\ninbox: inbox\nwarehouse: warehouse\nout: out\nprivacy: { key_env: PQA_PSEUDONYM_KEY, sample_key: true }\n' > "$dir/pqa.yaml"
}

# csv_bytes DIR: the size of the generated CSVs.
csv_bytes() { du -cb "$1"/inbox/*/*.csv | tail -1 | cut -f1; }
