"""Training sentences written for Bastion: TVEC and non-TVEC in the same words.

`written-examples.yaml` holds, per language, slots and templates per label
(see its header for why and for the rules they follow). `written_examples`
fills each template with a fixed sample of slot values, so the same file
always gives the same sentences and the same model.
"""

from __future__ import annotations

import itertools
import random
import string
from dataclasses import dataclass
from pathlib import Path

import yaml

WRITTEN_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "text" / "written-examples.yaml"
PER_TEMPLATE = 24  # filled copies of one template: enough variety, without one template outweighing the rest


@dataclass(frozen=True)
class Written:
    text: str
    label: str
    lang: str


def written_examples(path: Path = WRITTEN_EXAMPLES, per_template: int = PER_TEMPLATE, seed: int = 11) -> list[Written]:
    spec: dict[str, dict[str, dict[str, list[str]]]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    examples = []
    for lang, part in spec.items():
        for label, templates in part["templates"].items():
            for template in templates:
                examples += [Written(text, label, lang) for text in _filled(template, part["slots"], per_template, rng)]
    return examples


def _filled(template: str, slots: dict[str, list[str]], most: int, rng: random.Random) -> list[str]:
    names = list(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(template) if name))
    unknown = set(names) - set(slots)
    if unknown:
        raise ValueError(f"template {template!r} uses slots that are not defined: {sorted(unknown)}")
    combinations = list(itertools.product(*(slots[name] for name in names)))
    chosen = combinations if len(combinations) <= most else rng.sample(combinations, most)
    return sorted({template.format(**dict(zip(names, values, strict=True))) for values in chosen})
