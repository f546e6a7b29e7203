"""An auditor's verifier: `python -m csc.verify EXPORT [--checkpoint LINE|FILE ...] [--key HEX]`.

Reads what `manage.py audit_export` wrote and checks, without the club's database or settings,
that every event links to the one before and matches its hash, that the club's stored
checkpoints are signed (by the key the auditor trusts) over hashes the chain still holds, and that
the chain still holds the hashes of the checkpoints the auditor kept, and that every record in the
export has the digest the chain last recorded for it (none changed, added or deleted since).
Exit status 1 on any problem.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from club.chainmath import (
    SignedHead,
    chain_problems,
    checkpoint_problems,
    parse,
    record_digest,
    record_problems,
    recorded_digests,
)


def verify(path: str, kept: list[SignedHead], trusted_key: str = "") -> tuple[list[str], int, str]:
    events: list[dict[str, Any]] = []
    stored: list[SignedHead] = []
    records: list[tuple[str, str, str, str]] = []
    tables: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        header = json.loads(handle.readline() or "{}")
        if header.get("kind") != "csc-audit-export":
            return ["not a csc audit export"], 0, ""
        for line in handle:
            item = json.loads(line)
            if item["kind"] == "event":
                events.append(item)
            elif item["kind"] == "record":
                digest = record_digest(item["content"])
                records.append((item["record"], item["table"], item["key"], digest))
            elif item["kind"] == "tables":
                tables = item["tables"]
            elif item["kind"] == "checkpoint":
                stored.append(
                    SignedHead(
                        item["seq"],
                        item["hash"],
                        dt.datetime.fromisoformat(item["at"]),
                        item["public_key"],
                        item["signature"],
                    )
                )
    problems, head_seq, head_hash, hashes = chain_problems(events)
    recorded: dict[str, tuple[int, str]] = {}
    for ev in sorted(events, key=lambda e: e["seq"]):
        recorded_digests(ev["seq"], ev["payload"], recorded)
    if not tables:
        problems.append("the export lists no covered tables: its records cannot be checked")
    problems += record_problems(recorded, records, tables)
    for head in kept:
        problems += checkpoint_problems(head, hashes, trusted_key)
    for head in stored:
        problems += checkpoint_problems(head, hashes, trusted_key)
    return problems, head_seq, head_hash


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m csc.verify", description=__doc__)
    parser.add_argument("export")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="LINE|FILE")
    parser.add_argument("--key", default="", help="the club's public key (hex) you trust")
    args = parser.parse_args(argv)
    try:
        kept = [parse(text) for text in args.checkpoint]
    except ValueError as exc:
        print(f"--checkpoint: {exc}", file=sys.stderr)
        return 2
    problems, head_seq, head_hash = verify(args.export, kept, args.key)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("audit chain verification FAILED", file=sys.stderr)
        return 1
    print(f"audit chain ok: head {head_seq} {head_hash}; {len(kept)} kept checkpoint(s) match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
