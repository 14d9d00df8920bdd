"""`agentstack-scan FILE` (also `agentstack scan FILE`): the security engine on your own files.

Reads JSONL (`{"id": ..., "text": ...}` per line) or plain text lines (id = line number), or `-`
for stdin, and prints one JSON line per input::

    {"id": ..., "entities": ["EMAIL_ADDRESS"], "injection": false, "score": 0,
     "findings": [{"type": "EMAIL_ADDRESS", "start": 8, "end": 28, "score": 1.0}]}

`score` is the prompt-injection score (0–100); `injection` is `score ≥ threshold`. Exit status:
0, or 1 with `--fail-on` when something was found (for CI), 2 for bad usage or input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from actors.security.engine import Finding, SecurityEngine
from actors.security.policy import ProjectRules, SecurityRules
from actors.security.recognizers import INDIRECT_INJECTION, INJECTION, SECRET_ENTITIES as SECRET_TYPES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentstack-scan",
        description="Scan texts for PII, secrets and prompt injection (one JSON line out per input line).",
    )
    parser.add_argument("file", help='JSONL ({"id", "text"} per line) or plain text lines; "-" reads stdin')
    parser.add_argument("--ner", action="store_true", help="also find PERSON / LOCATION with the spaCy model (slower)")
    parser.add_argument("--rules", help="security rules YAML (its `defaults` apply): thresholds, allow-list, disabled entities")
    parser.add_argument("--threshold", type=int, help="injection score (1-100) that counts as injection (default 50)")
    parser.add_argument("--indirect", action="store_true", help="treat every text as fetched content (tool output, document)")
    parser.add_argument("--fail-on", choices=("none", "any", "injection", "secret"), default="none",
                        help="exit 1 when something of this kind was found (default: never)")
    return parser


def _inputs(handle: TextIO) -> Iterator[tuple[Any, str]]:
    for number, line in enumerate(handle, start=1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if isinstance(record, dict) and "text" in record:
                text = record["text"]
                if not isinstance(text, str):
                    raise ValueError(f"line {number}: \"text\" must be a string, got {type(text).__name__}")
                yield record.get("id", number), text
                continue
        yield number, line


def _report(item_id: Any, text: str, findings: Sequence[Finding], rules: ProjectRules) -> dict[str, Any]:
    kept: list[Finding] = []
    score = 0
    for finding in findings:
        if finding.entity_type in (INJECTION, INDIRECT_INJECTION):
            score = max(score, round(finding.score * 100))
            kept.append(finding)
        elif rules.reports(finding.entity_type, finding.score, text[finding.start:finding.end]):
            kept.append(finding)
    injection = score >= rules.injection_threshold
    entities = sorted({f.entity_type for f in kept if f.entity_type not in (INJECTION, INDIRECT_INJECTION)})
    return {
        "id": item_id,
        "entities": entities,
        "injection": injection,
        "score": score,
        "findings": [f.to_dict() for f in kept],
    }


def run(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """The command's body (testable: streams can be passed in). Returns the exit status."""
    args = _parser().parse_args(argv)
    out = stdout or sys.stdout
    try:
        rules = SecurityRules.load(args.rules).defaults
        if args.threshold is not None:
            rules = rules.model_copy(update={"injection_threshold": args.threshold})
        if not 1 <= rules.injection_threshold <= 100:
            raise ValueError(f"--threshold must be between 1 and 100, got {rules.injection_threshold}")
        handle = (stdin or sys.stdin) if args.file == "-" else open(args.file, encoding="utf-8")
    except (OSError, ValueError) as exc:
        print(f"agentstack-scan: {exc}", file=sys.stderr)
        return 2
    engine = SecurityEngine(ner=args.ner)
    found = False
    try:
        with handle:
            for item_id, text in _inputs(handle):
                report = _report(item_id, text, engine.scan_text(text, indirect=args.indirect), rules)
                out.write(json.dumps(report, ensure_ascii=False) + "\n")
                found = found or {
                    "none": False,
                    "any": bool(report["findings"]),
                    "injection": report["injection"],
                    "secret": any(e in SECRET_TYPES for e in report["entities"]),
                }[args.fail_on]
    except ValueError as exc:
        print(f"agentstack-scan: {exc}", file=sys.stderr)
        return 2
    out.flush()
    return 1 if found else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`agentstack-scan`)."""
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
