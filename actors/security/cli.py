"""`agentstack-scan FILE` (also `agentstack scan FILE`): the security engine on your own files.

Reads JSONL (`{"id": ..., "text": ...}` per line) or plain text lines (id = line number), or `-`
for stdin, and prints one JSON line per input::

    {"id": ..., "entities": ["EMAIL_ADDRESS"], "injection": false, "score": 0,
     "findings": [{"type": "EMAIL_ADDRESS", "start": 8, "end": 28, "score": 1.0}]}

`score` is the prompt-injection score (0–100); `injection` is `score ≥ threshold`.
`--format table` prints a human-readable table instead, `--format sarif` one SARIF 2.1.0 log (for
code-scanning UIs in CI; values found are never copied into it). A summary line goes to stderr
(to stdout under the table). Exit status: 0; 1 with `--fail-on KIND` when something of that kind
was found (for CI); 2 for bad usage or input.
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
    parser.add_argument("--fail-on", choices=("none", "any", "injection", "secret", "pii"), default="none",
                        help="exit 1 when something of this kind was found (default: never)")
    parser.add_argument("--format", choices=("jsonl", "table", "sarif"), default="jsonl",
                        help="jsonl: one JSON line per input (default); table: for people; sarif: SARIF 2.1.0 for CI")
    return parser


def _kind(entity: str) -> str:
    if entity in (INJECTION, INDIRECT_INJECTION):
        return "injection"
    return "secret" if entity in SECRET_TYPES else "pii"


class _Summary:
    def __init__(self) -> None:
        self.texts = 0
        self.flagged = 0
        self.kinds = {"pii": 0, "secret": 0, "injection": 0}

    def add(self, report: dict[str, Any]) -> None:
        self.texts += 1
        kinds = {_kind(e) for e in report["entities"]} | ({"injection"} if report["injection"] else set())
        self.flagged += bool(kinds)
        for kind in kinds:
            self.kinds[kind] += 1

    def line(self) -> str:
        return (f"scanned {self.texts} texts: {self.flagged} with findings "
                f"({self.kinds['pii']} PII, {self.kinds['secret']} secrets, {self.kinds['injection']} prompt injection)")


_SARIF_RULES = {
    "pii": "Personal data (PII) in text", "secret": "Credential or secret in text", "injection": "Prompt injection or jailbreak",
}


def _sarif(results: list[dict[str, Any]], uri: str) -> dict[str, Any]:
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "agentstack-scan",
                "rules": [{"id": f"agentstack/{kind}", "shortDescription": {"text": text}} for kind, text in _SARIF_RULES.items()],
            }},
            "results": results,
            "artifacts": [{"location": {"uri": uri}}],
        }],
    }


def _sarif_results(report: dict[str, Any], line: int, uri: str, plain: bool, threshold: int) -> list[dict[str, Any]]:
    out = []
    for finding in report["findings"]:
        kind = _kind(finding["type"])
        if kind == "injection" and finding["score"] * 100 < threshold:
            continue
        region: dict[str, int] = {"startLine": line}
        if plain:  # offsets are columns only when the line is the text itself (not a JSONL record)
            region.update(startColumn=finding["start"] + 1, endColumn=finding["end"] + 1)
        level = "error" if kind in ("secret", "injection") else "warning"
        message = f"{finding['type']} (score {finding['score']:.2f}) in input {report['id']!r}"
        out.append({
            "ruleId": f"agentstack/{kind}", "level": level, "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}],
        })
    return out


def _table_row(report: dict[str, Any]) -> str:
    types = ", ".join(report["entities"]) or "-"
    injection = f"yes ({report['score']})" if report["injection"] else (f"no ({report['score']})" if report["score"] else "no")
    return f"{str(report['id'])[:24]:<24} {len(report['findings']):>8}  {injection:<10} {types}"


def _inputs(handle: TextIO) -> Iterator[tuple[Any, str, int, bool]]:
    """(id, text, line number, whether the line is the text itself) per non-empty input line."""
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
                yield record.get("id", number), text, number, False
                continue
        yield number, line, number, True


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
    summary = _Summary()
    sarif: list[dict[str, Any]] = []
    uri = "stdin" if args.file == "-" else args.file
    if args.format == "table":
        out.write(f"{'id':<24} {'findings':>8}  {'injection':<10} entities\n")
    try:
        with handle:
            for item_id, text, line, plain in _inputs(handle):
                report = _report(item_id, text, engine.scan_text(text, indirect=args.indirect), rules)
                summary.add(report)
                if args.format == "jsonl":
                    out.write(json.dumps(report, ensure_ascii=False) + "\n")
                elif args.format == "table":
                    out.write(_table_row(report) + "\n")
                else:
                    sarif += _sarif_results(report, line, uri, plain, rules.injection_threshold)
                found = found or {
                    "none": False,
                    "any": bool(report["entities"]) or report["injection"],
                    "injection": report["injection"],
                    "secret": any(e in SECRET_TYPES for e in report["entities"]),
                    "pii": any(_kind(e) == "pii" for e in report["entities"]),
                }[args.fail_on]
    except ValueError as exc:
        print(f"agentstack-scan: {exc}", file=sys.stderr)
        return 2
    if args.format == "sarif":
        out.write(json.dumps(_sarif(sarif, uri), indent=1) + "\n")
    if args.format == "table":
        out.write(summary.line() + "\n")
    else:
        print(summary.line(), file=sys.stderr)
    out.flush()
    return 1 if found else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`agentstack-scan`)."""
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
