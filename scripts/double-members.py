"""Prints, as JSON, the members of CloudWatch's and Logs' structures that hold
doubles (a double or float, or a list or map of them), from botocore's models:
the source of lib/protocol/doubles.ts. Run with a python3 that has botocore."""
import gzip
import json
import os
import sys

import botocore

BASE = os.path.join(os.path.dirname(botocore.__file__), "data")
SERVICES = {"cloudwatch": ("2010-08-01", "com.amazonaws.cloudwatch"), "logs": ("2014-03-28", "com.amazonaws.cloudwatchlogs")}

out = []
for service, (version, namespace) in SERVICES.items():
    with gzip.open(f"{BASE}/{service}/{version}/service-2.json.gz") as f:
        shapes = json.load(f)["shapes"]
    is_double = lambda name: shapes[name]["type"] in ("double", "float")

    def holds_doubles(name):
        shape = shapes[name]
        if shape["type"] == "list":
            return is_double(shape["member"]["shape"])
        if shape["type"] == "map":
            return is_double(shape["value"]["shape"])
        return is_double(name)

    for name, shape in shapes.items():
        if shape["type"] == "structure":
            out += [f"{namespace}#{name}${m}" for m, ms in shape["members"].items() if holds_doubles(ms["shape"])]
json.dump(sorted(out), sys.stdout)
