#!/usr/bin/env python3
"""Splits tests/data/routing/history.jsonl into five development folds by
situation (docs/routing.md "How the method was developed"): DIR/trainK.jsonl
holds every record whose situation is not in fold K, DIR/testK.jsonl the
rest, so that no retelling of a test situation is trained on. Then:

  for k in 0 1 2 3 4; do civicloop routing eval --set DIR/test$k.jsonl \\
      --train DIR/train$k.jsonl; done

Usage: split_history.py DIR (run from the repository's root)."""
import hashlib
import json
import os
import sys


def fold(item):
    return int(hashlib.md5(item["situation"].encode()).hexdigest(), 16) % 5


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/routing-dev"
    os.makedirs(out, exist_ok=True)
    items = [json.loads(line) for line in open("tests/data/routing/history.jsonl")]
    for k in range(5):
        for name, keep in (("train", lambda x: fold(x) != k), ("test", lambda x: fold(x) == k)):
            with open(os.path.join(out, f"{name}{k}.jsonl"), "w") as f:
                for it in items:
                    if keep(it):
                        f.write(json.dumps(it, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
