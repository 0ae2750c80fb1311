"""Long texts read whole or in windows: recall of buried TVEC posts, false positives on long benign texts, CPU.

    .venv/bin/python bench/long_texts.py [--data ../shared/data] [--windows 300,500,1000] [--docs 300]

Reads the shared data at run time (nothing from it is written anywhere). Counts as TVEC: dev's `tvec` rows a
person judged or a research set curated (`basis` text/curated; the weak `account` rows are left out), GermEval's
`call2violence`, `support` and `glorification`, threatgram's `violent_threat`. Counts as not TVEC: dev's other
labels, GermEval's `nothing` and `other`, threatgram's `none`, about-isis. The rest (unlabelled, willingness,
non-violent threats) is left out. Prints, for the packaged model through the detector, per window size:
1. the real rows longer than the window: flagged share of the non-TVEC ones, recall of the TVEC ones,
   read whole (today) and in windows;
2. `--docs` made-up long texts: a TVEC row hidden at a random place among non-TVEC rows of its language (one a
   line) up to a length, and the same padding alone: recall and flagged share, whole and windowed;
3. CPU a text (process time) for a 99,000-character text of benign lines ending in one TVEC row.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from bastion.core import Item
from bastion.detectors.base import Content, TextField
from bastion.detectors.text_model import CategoryCues, TextModelDetector
from bastion.settings import Settings
from bastion.text.langid import identify_language
from bastion.text.model import TextModel
from bastion.text.normalise import normalise
from bastion.text.windows import WindowLimits

TVEC = {("dev", "tvec"), ("germeval2026-vio", "call2violence"), ("germeval2026-vio", "support")}
TVEC |= {("germeval2026-vio", "glorification"), ("threatgram101", "violent_threat")}
NOT_TVEC_LABELS = {"news", "counter_speech", "religious", "hate_not_tvec", "benign", "nothing", "other", "none"}
NOT_TVEC_LABELS |= {"about_isis"}
WHOLE = 10**9  # a window no text reaches: the text read whole, as before windows


def labelled_rows(data: Path) -> list[dict[str, object]]:
    """Rows with `tvec` True/False, from dev and extra/; weak and unlabelled rows left out."""
    rows = []
    for path in [data / "dev.jsonl", *sorted((data / "extra").glob("*.jsonl"))]:
        collection = "dev" if path.name == "dev.jsonl" else path.stem
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            if (collection, row["label"]) in TVEC and row.get("basis") != "account":
                rows.append({**row, "tvec": True})
            elif row["label"] in NOT_TVEC_LABELS:
                rows.append({**row, "tvec": False})
    return rows


def detector(model: TextModel, chars: int, overlap: int, deep_windows: int = 8) -> TextModelDetector:
    limits = WindowLimits(chars, overlap, deep_windows) if chars < WHOLE else WindowLimits(WHOLE, 0)
    return TextModelDetector(model, CategoryCues.load(Settings().category_cues), windows=limits)


def content(text: str, lang: str | None) -> Content:
    """The item as the pipeline prepares it; an undeclared language identified as the pipeline does."""
    item = Item.model_validate({"id": "b", "text": text, "lang": lang})
    lang = lang or identify_language(normalise(text).text)
    return Content(item=item, texts=(TextField("text", text, normalise(text)),), lang=lang)


def readings(det: TextModelDetector, texts: Sequence[tuple[str, str | None]]) -> list[tuple[float, float]]:
    """(score, the line it is judged at) for each text, through the detector."""
    said = []
    for start in range(0, len(texts), 64):
        for found in det.detect_many([content(text, lang) for text, lang in texts[start : start + 64]]):
            said.append((found[0].score, found[0].evidence["threshold"]))
    return said


def share(values: Sequence[bool]) -> str:
    return f"{sum(values) / len(values):.3f} ({sum(values)}/{len(values)})" if values else "-"


def at_margins(said: Sequence[tuple[float, float]], margins: Sequence[float]) -> str:
    return ", ".join(f"+{m:g}: {share([score >= line + m for score, line in said])}" for m in margins)


def made_up_docs(
    rows: list[dict[str, object]], whole: TextModelDetector, docs: int, length: int, seed: int
) -> dict[str, list[tuple[str, str]]]:
    """Made-up long texts of about `length` characters, by kind: {kind: [(text, language)]}.

    The hidden rows are TVEC rows the model flags alone, so what is measured is how the text is read, not the
    model's recall. `clean` padding is made of rows of the post's language the model does not flag alone (what
    windows add: false positives from reading rows together or in pieces); `raw` padding of any non-TVEC rows,
    some of which the model flags alone (`raw, a row flagged alone` counts those texts: read as the posts they
    are made of, that is the least they can be flagged)."""
    rng = random.Random(seed)
    short = [row for row in rows if len(str(row["text"])) <= 300]
    candidates = rng.sample([row for row in short if row["tvec"]], min(12 * docs, sum(r["tvec"] for r in short)))
    said = readings(whole, [(str(row["text"]), str(row["lang"])) for row in candidates])
    posts = [row for row, (score, line) in zip(candidates, said, strict=True) if score >= line][:docs]
    scored: dict[str, list[tuple[str, bool]]] = {}  # language → (row, flagged alone)
    for lang in sorted({str(post["lang"]) for post in posts} | {"en"}):  # sorted: one sample whatever the hash seed
        texts = [str(row["text"]) for row in short if not row["tvec"] and row["lang"] == lang]
        texts = rng.sample(texts, min(3000, len(texts)))
        said = readings(whole, [(text, lang) for text in texts])
        scored[lang] = [(text, score >= line) for text, (score, line) in zip(texts, said, strict=True)]
    made: dict[str, list[tuple[str, str]]] = {}
    for post in posts:
        lang = str(post["lang"]) if len(scored[str(post["lang"])]) >= 200 else "en"
        clean = _padding(rng, [text for text, flagged in scored[lang] if not flagged], length)
        raw = _padding(rng, [text for text, _ in scored[lang]], length)
        with_post = [*clean]
        with_post.insert(rng.randrange(len(clean) + 1), str(post["text"]))
        flagged_alone = {text for text, flagged in scored[lang] if flagged}
        for kind, text in (
            ("TVEC row as a line", "\n".join(with_post)),
            ("TVEC row inside one paragraph", " ".join(with_post)),
            ("clean padding, lines", "\n".join(clean)),
            ("clean padding, one paragraph", " ".join(clean)),
            ("raw padding, lines", "\n".join(raw)),
        ):
            made.setdefault(kind, []).append((text, lang))
        made.setdefault("raw, a row flagged alone", []).append(("y" if set(raw) & flagged_alone else "", lang))
    return made


def _padding(rng: random.Random, pool: list[str], length: int) -> list[str]:
    rows: list[str] = []
    while sum(len(row) + 1 for row in rows) < length:
        rows.append(rng.choice(pool))
    return rows


def cpu_of_long_text(
    whole: TextModelDetector, windowed: TextModelDetector, rows: list[dict[str, object]], rounds: int = 5
) -> dict[str, list[float]]:
    """Process time (s) to check a 99,000-character text of benign English lines ending in one TVEC row, read
    whole and in windows, in alternate rounds; with the language declared and identified."""
    rng = random.Random(7)
    benign = [str(row["text"]) for row in rows if not row["tvec"] and row["lang"] == "en"]
    post = rng.choice([str(row["text"]) for row in rows if row["tvec"] and row["lang"] == "en"])
    lines: list[str] = []
    while sum(len(line) + 1 for line in lines) < 99_000 - len(post):
        lines.append(rng.choice(benign))
    text = "\n".join([*lines, post])[-99_000:]
    spent: dict[str, list[float]] = {}
    prepared = {lang: content(text, lang) for lang in ("en", None)}  # as the pipeline gives it, not timed
    for _ in range(rounds + 1):  # the first round warms up: encoder and language model loaded
        for name, det in (("whole", whole), ("windows", windowed)):
            for lang, item in prepared.items():
                started = time.process_time()
                det.detect(item)
                spent.setdefault(f"{name}, language {lang or 'identified'}", []).append(time.process_time() - started)
    return {name: sorted(times[1:]) for name, times in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--windows", default="300", help="window sizes in characters")
    parser.add_argument("--overlap", type=float, default=0.467, help="overlap as a share of the window")
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--lengths", default="3000,20000")
    parser.add_argument("--deep-windows", type=int, default=8)
    parser.add_argument("--cpu-only", action="store_true")
    parser.add_argument("--margins", default="0,0.05,0.1,0.2", help="stricter lines for windows, added to the line")
    args = parser.parse_args()
    rows = labelled_rows(args.data)
    model = TextModel.load()
    whole = detector(model, WHOLE, 0)
    sizes = [int(size) for size in args.windows.split(",")]
    if args.cpu_only:
        for size in sizes:
            print_cpu(whole, detector(model, size, int(size * args.overlap), args.deep_windows), rows, size)
        return
    margins = [float(m) for m in args.margins.split(",")]
    made = {int(n): made_up_docs(rows, whole, args.docs, int(n), seed=1) for n in args.lengths.split(",")}
    for length, kinds in made.items():
        for kind, docs in kinds.items():
            if kind.startswith("raw, "):
                print(f"made-up {length}-char texts, {kind}: {share([bool(text) for text, _ in docs])}")
            else:
                print(f"made-up {length}-char texts, {kind}, read whole: {at_margins(readings(whole, docs), [0])}")
    for size in sizes:
        windowed = detector(model, size, int(size * args.overlap), args.deep_windows)
        long_rows = [row for row in rows if len(str(row["text"])) > size]
        for tvec, what in ((False, "non-TVEC flagged"), (True, "TVEC recall")):
            texts = [(str(row["text"]), str(row["lang"])) for row in long_rows if row["tvec"] is tvec]
            print(f"real rows > {size} chars, {what}: whole {at_margins(readings(whole, texts), [0])}")
            print(f"    windows of {size}: {at_margins(readings(windowed, texts), margins)}")
        for length, kinds in made.items():
            for kind, docs in kinds.items():
                if not kind.startswith("raw, "):
                    said = at_margins(readings(windowed, docs), margins)
                    print(f"made-up {length}-char texts, {kind}, windows of {size}: {said}")
        print_cpu(whole, windowed, rows, size)


def print_cpu(whole: TextModelDetector, windowed: TextModelDetector, rows: list[dict[str, object]], size: int) -> None:
    for name, times in cpu_of_long_text(whole, windowed, rows).items():
        print(f"CPU, a 99,000-char text, windows of {size}, {name}: {', '.join(f'{t * 1000:.0f}' for t in times)} ms")


if __name__ == "__main__":
    main()
