"""DuckDB's side of `make bench` (bench/run.sh): the same jobs pqa is timed on.

  duckdb_side.py copy DIR            CSV -> Parquet per dataset with COPY ... TO
  duckdb_side.py query DIR METRIC..  each metric's SQL over pqa's Parquet files
  duckdb_side.py overlay DIR SQLFILE the overlay's linkage SQL over pqa's Parquet
                                     files (every dataset: one with no data is an
                                     empty table of its schema's columns)

Prints `name seconds` lines. Queries run once to warm up, then REPEAT times;
the best time is printed (pqa's side is measured the same way).
"""

import pathlib
import sys
import time

import duckdb
import yaml

REPEAT = 3
# The bench inbox's folders and the dataset each feed writes.
DATASETS = {"attendance": "education/attendance_*.csv", "camhs_referrals": "camhs/camhs_referrals_*.csv"}


def copy(root: pathlib.Path) -> None:
    out = root / "duckdb"
    out.mkdir(exist_ok=True)
    con = duckdb.connect()
    for dataset, pattern in DATASETS.items():
        files = sorted((root / "inbox").glob(pattern))
        if not files:
            continue
        started = time.perf_counter()
        con.execute(
            f"COPY (SELECT * FROM read_csv({[str(f) for f in files]}, header = true)) "
            f"TO '{out / dataset}.parquet' (FORMAT parquet)"
        )
        print(f"{dataset} {time.perf_counter() - started:.3f}", flush=True)


def query(root: pathlib.Path, metrics: list[str]) -> None:
    con = duckdb.connect()
    for dataset in DATASETS:
        files = root / "warehouse" / dataset / "*.parquet"
        con.execute(f"CREATE VIEW {dataset} AS SELECT * FROM read_parquet('{files}')")
    con.execute(f"CREATE TABLE periods AS SELECT * FROM read_csv('{root / 'periods.csv'}', header = true)")
    repo = pathlib.Path(__file__).resolve().parent.parent
    for metric in metrics:
        sql = yaml.safe_load((repo / "metrics" / f"{metric}.yaml").read_text())["sql"]
        best, _ = best_of(con, sql)
        print(f"{metric} {best:.4f}", flush=True)


def best_of(con, sql: str) -> tuple[float, int]:
    """Runs `sql` once to warm up, then REPEAT times: the best time, and the rows."""
    rows = len(con.execute(sql).fetchall())
    best = float("inf")
    for _ in range(REPEAT):
        started = time.perf_counter()
        con.execute(sql).fetchall()
        best = min(best, time.perf_counter() - started)
    return best, rows


# A schema's column types in DuckDB, and the lineage columns every table has.
TYPES = {"string": "VARCHAR", "date": "DATE", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}
LINEAGE = ["_feed VARCHAR", "_period VARCHAR", "_source_file VARCHAR", "_source_sha256 VARCHAR",
           "_source_row BIGINT", "_run_id VARCHAR", "_ingested_at TIMESTAMPTZ"]


def overlay(root: pathlib.Path, sql_file: pathlib.Path) -> None:
    con = duckdb.connect()
    repo = pathlib.Path(__file__).resolve().parent.parent
    for schema_file in sorted((repo / "schemas").glob("*.yaml")):
        schema = yaml.safe_load(schema_file.read_text())
        dataset = schema["dataset"]
        files = list((root / "warehouse" / dataset).glob("*.parquet"))
        if files:
            con.execute(f"CREATE VIEW {dataset} AS SELECT * FROM read_parquet('{root / 'warehouse' / dataset}/*.parquet')")
        else:
            columns = [f"{name} {TYPES[c['type']]}" for name, c in schema["columns"].items()] + LINEAGE
            con.execute(f"CREATE TABLE {dataset} ({', '.join(columns)})")
    con.execute(f"CREATE TABLE periods AS SELECT * FROM read_csv('{root / 'periods.csv'}', header = true)")
    best, children = best_of(con, sql_file.read_text())
    print(f"overlay {best:.4f} {children}", flush=True)


if __name__ == "__main__":
    command, root = sys.argv[1], pathlib.Path(sys.argv[2])
    if command == "copy":
        copy(root)
    elif command == "overlay":
        overlay(root, pathlib.Path(sys.argv[3]))
    else:
        query(root, sys.argv[3:])
