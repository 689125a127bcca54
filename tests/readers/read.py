"""Counts each table's rows as another reader would: at the versions pqa's
manifest (_pqa_current.json) names, and at each table's latest version.
Prints JSON: {"run": n, "manifest": {table: rows}, "latest": {table: rows}}.

Usage: read.py WAREHOUSE_FOLDER
"""

import json
import pathlib
import sys

import deltalake

root = pathlib.Path(sys.argv[1])
current = json.loads((root / "_pqa_current.json").read_text())
out = {"run": current["run"], "manifest": {}, "latest": {}}
for name, version in current["tables"].items():
    path = str(root / name)
    out["manifest"][name] = deltalake.DeltaTable(path, version=version).count()
    out["latest"][name] = deltalake.DeltaTable(path).count()
print(json.dumps(out))
