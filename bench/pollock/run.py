#!/usr/bin/env python3
"""Reads every file of the Pollock corpus of polluted CSVs through pqa and
compares what pqa would load with the file's clean version.

    git clone --depth 1 https://github.com/HPI-Information-Systems/Pollock /tmp/pollock
    cargo build && python3 bench/pollock/run.py /tmp/pollock/polluted_files

Each polluted file is run through the feed in this folder (the one a data
officer would write from the clean file: a date, a count, text) with
`pqa feeds try --json`, and ends in one of four classes:

  exact    every clean row loaded as it is, nothing rejected
  loud     only clean rows loaded; every clean row not loaded is in a reject
           with a reason (or a skipped row)
  refused  the whole file refused, with a reason
  wrong    a row loaded that is not in the clean file, or a clean row
           missing with no reject to say so

The goal is no file in `wrong`. Files whose clean version holds no rows
(the pollution left no table) count as exact when pqa loads nothing.
"""
import collections
import csv
import datetime
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PQA = os.environ.get("PQA", os.path.join(HERE, "..", "..", "target", "debug", "pqa"))
COLUMNS = ["date", "time", "qty", "product_id", "price", "product_type",
           "description", "url", "comments"]


def clean_rows(path):
    """The clean file's records as pqa should store them."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if rows and rows[0] and rows[0][0].startswith("DATE"):
        rows = rows[1:]
    out = []
    for r in rows:
        if len(r) != len(COLUMNS):
            out.append(("unparseable", tuple(r)))
            continue
        values = [c if c != "" else None for c in r]
        try:
            values[0] = datetime.datetime.strptime(r[0], "%d/%m/%Y").date().isoformat()
        except ValueError:
            out.append(("unparseable", tuple(r)))
            continue
        try:
            values[2] = int(r[2]) if r[2] != "" else None
        except ValueError:
            out.append(("unparseable", tuple(r)))
            continue
        out.append(tuple(values))
    return out


def loaded_rows(rows):
    return [tuple(row.get(c) for c in COLUMNS) for row in rows]


def classify(polluted, clean):
    expected = collections.Counter(clean_rows(clean))
    run = subprocess.run(
        [PQA, "feeds", "try", "pollock", polluted, "--period", "2024/25-Q1", "--json"],
        cwd=HERE, capture_output=True, text=True)
    if run.returncode != 0:
        reason = run.stderr.strip().splitlines()
        return "refused", reason[0] if reason else "(no reason given)"
    got = json.loads(run.stdout)
    loaded = collections.Counter(loaded_rows(got["rows"]))
    extra = loaded - expected
    missing = expected - loaded
    said = len(got["rejects"]) + len(got["skipped"])
    # A reject that says its record ran over several lines accounts for the
    # rows on those lines.
    over = sum(int(m.group(1)) - 1 for r in got["rejects"]
               for m in [re.search(r"runs over (\d+) lines", r["message"])] if m)
    if extra:
        row = next(iter(extra))
        return "wrong", f"{sum(extra.values())} row(s) loaded that are not in the clean file, e.g. {row}"
    if sum(missing.values()) > got["rows_rejected"] + len(got["skipped"]) + over:
        return "wrong", f"{sum(missing.values())} clean row(s) missing, {said} reject(s)/skip(s)"
    if not missing and said == 0:
        return "exact", ""
    if not missing and got["rows_rejected"] == 0:
        return "exact", "(skipped rows that are not data)"
    first = (got["rejects"] or [{"message": "skipped"}])[0]
    return "loud", f"{said} reject(s)/skip(s): {first.get('message')}"


def kind(name):
    """The pollution, without the row and column it was applied to."""
    base = name[: -len(".csv")]
    if base.startswith("row_"):
        # row_extra_quote12_col3, row_more_sep_row4_col0,
        # row_field_delimiter_7_0x20: one kind each.
        return re.sub(r"\d+$", "", "_".join(base.split("_")[:3]))
    return base


def main():
    corpus = sys.argv[1]
    names = sorted(n for n in os.listdir(os.path.join(corpus, "csv")) if n.endswith(".csv"))
    results = []
    for i, name in enumerate(names):
        cls, why = classify(os.path.join(corpus, "csv", name), os.path.join(corpus, "clean", name))
        results.append((name, cls, why))
        if (i + 1) % 200 == 0:
            print(f"{i + 1}/{len(names)}", file=sys.stderr)
    by_class = collections.Counter(c for _, c, _ in results)
    print(f"{len(results)} polluted files: " + ", ".join(
        f"{by_class[c]} {c}" for c in ("exact", "loud", "refused", "wrong")))
    by_kind = collections.defaultdict(collections.Counter)
    for name, cls, _ in results:
        by_kind[kind(name)][cls] += 1
    print()
    print(f"{'pollution':<40} {'files':>5} {'exact':>6} {'loud':>6} {'refused':>8} {'wrong':>6}")
    for k in sorted(by_kind):
        c = by_kind[k]
        print(f"{k:<40} {sum(c.values()):>5} {c['exact']:>6} {c['loud']:>6} {c['refused']:>8} {c['wrong']:>6}")
    wrong = [(n, w) for n, c, w in results if c == "wrong"]
    if wrong:
        print()
        print(f"Accepted wrongly ({len(wrong)}):")
        for n, w in wrong[:40]:
            print(f"  {n}: {w}")
    if "-v" in sys.argv:
        print()
        for n, c, w in results:
            print(f"{c:<8} {n}: {w}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
