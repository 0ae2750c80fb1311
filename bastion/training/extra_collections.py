"""The `extra/` collections beside the shared data, read at training time under Bastion's labels.

Each collection keeps its own labels in its file; this module maps them onto
`bastion.text.model.LABELS` and says why, and never copies a text anywhere:
the files are read where they lie (`../shared/data/extra/`), and the model
card names only counts.

Two kinds of collection:
- **person-labelled** (`germeval2026-vio`, `threatgram101`): annotators read
  every text, so the rows keep basis `text`: they teach, draw the lines and
  are measured, like dev's own person-labelled rows;
- **pools** (`about-isis-2016`, `jihadist-pool`): no one read them one by one.
  A person-labelled collection can be taught like a pool instead
  (`taught_by_readers`), where the readers read it too: threatgram's labels
  are noisy both ways (calls for a hanging labelled `none`, calls to jail a
  politician labelled violent), and as person labels they would draw
  English's line and choose the tiers' mix.
  They are taught only where the offline readers labelled a text under the
  policy (`judged-extra.jsonl`, the format of `judged-rows.jsonl`: id, label,
  digest of the text), as basis `judge`: taught at the judge's weight, never
  measured as recall or false positives. A text the readers found `unclear`,
  or whose text no longer matches the digest they read, leaves training. The
  one figure taken on a pool is the share of it flagged with the pool left
  out of training (`elsewhere.pool_flag_rates`). A pool row names no
  language: it gets the one serving would identify for it, so that the
  figure is what a platform would see (read as English, the French and
  Spanish talk about ISIS in `about-isis-2016` went through the English
  cascade instead of the route languages' deep tier).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.text.langid import identify_language
from bastion.text.model import LABELS
from bastion.text.normalise import normalise_text
from bastion.training.judged_rows import JUDGE_BASIS, UNCLEAR, Judgement, load_judgements, text_digest
from bastion.training.labelled import LabelledFileError, read_labelled

JUDGED_EXTRA = Path(__file__).resolve().parents[1] / "data" / "text" / "judged-extra.jsonl"


@dataclass(frozen=True)
class Collection:
    """One `extra/` file: its own labels mapped onto Bastion's (`None`: a pool, taught from the readers' labels)."""

    name: str
    labels: Mapping[str, str] | None
    # The collection's language, where a row names none; None: each row's language is identified as serving
    # identifies an item's (the pools: `about-isis-2016` is a fifth French, Spanish, Indonesian and others).
    lang: str | None
    weight: float = 1.0

    @property
    def is_pool(self) -> bool:
        return self.labels is None


# GermEval 2026 violence (German Facebook comments, far-right milieu, 3-4 annotators, majority vote).
# TCO Art 2(7) covers inciting, glorifying, threatening and soliciting terrorist violence; the annotators'
# categories are about violence against people, which is what TVEC's threat and incitement parts are:
# - call2violence: a call to hurt or kill people: incitement (Art 2(7)(a), (b));
# - support: approving of violence done or to be done to people: glorifying it (Art 2(7)(a));
# - glorification: praising violence and its perpetrators (Art 2(7)(a));
# - prospensity: the writer's own willingness to use violence ("if it comes to it, I will be the first to hit them"): a
#   threat in the first person, the threat category (Art 2(7)(e)). Read offline, these are the German
#   counterpart of the plain threats the threat probes hold to review, not venting about violence;
# - other: violence-related talk that is none of the above (reports of crimes, fear, insults that mention
#   violence without wishing it): hostile, often hateful, not TVEC;
# - nothing: no violence; the annotation does not say whether it is hate, so it is the plain negative.
GERMEVAL = Collection(
    "germeval2026-vio",
    {
        "call2violence": "tvec",
        "support": "tvec",
        "glorification": "tvec",
        "prospensity": "tvec",
        "other": "hate_not_tvec",
        "nothing": "benign",
    },
    lang="de",
)
# Threatgram 101 (English replies in US far-right Telegram channels). Threats and calls to kill are TVEC's
# threat and incitement categories whoever is named, with no group behind them (the plain threat);
# "lock her up" (nonviolent_threat) is hostile and punitive but asks for no violence: the hard negative
# closest to a threat; `none` is angry political talk, the everyday negative of the same channels.
THREATGRAM = Collection(
    "threatgram101",
    {"violent_threat": "tvec", "nonviolent_threat": "hate_not_tvec", "none": "benign"},
    lang="en",
)
ABOUT_ISIS = Collection("about-isis-2016", None, lang=None)
JIHADIST_POOL = Collection("jihadist-pool", None, lang=None)
COLLECTIONS = (GERMEVAL, THREATGRAM, ABOUT_ISIS, JIHADIST_POOL)


@dataclass(frozen=True)
class ExtraRows:
    """The collections' rows under Bastion's labels, every pool row (for its flag rate), and what was read."""

    rows: list[dict[str, Any]]  # labelled rows training reads, each naming its collection
    pools: dict[str, list[dict[str, Any]]]  # every row of each pool, `label` the readers' (None: unread or unclear)
    # (and of each collection taught by the readers, with its annotators' label as `own_label`)
    counts: dict[str, dict[str, int]]  # collection → Bastion label (or "left out: …") → rows

    def note(self) -> dict[str, Any]:
        # A collection in `pools` was taught from the readers' labels, whatever labels its file carries.
        mapping = {c.name: "offline readers" if c.name in self.pools else c.labels for c in COLLECTIONS}
        return {"collections": self.counts, "mapping": mapping}


def read_extra(
    directory: Path,
    judgements: Mapping[str, Judgement] | None = None,
    weights: Mapping[str, float] | None = None,
    taught_by_readers: Set[str] = frozenset(),
) -> ExtraRows:
    """Every collection of `COLLECTIONS` found in `directory`, mapped; pools, and the collections named in
    `taught_by_readers`, labelled by `judgements` (default: the packaged `judged-extra.jsonl`, none when it
    is absent). A collection label the mapping does not know stops the reading, named."""
    unknown = set(taught_by_readers) - {c.name for c in COLLECTIONS if not c.is_pool}
    if unknown:
        raise LabelledFileError(f"not a person-labelled extra collection: {', '.join(sorted(unknown))}")
    if judgements is None:
        judgements = load_judgements(JUDGED_EXTRA) if JUDGED_EXTRA.exists() else {}
    rows: list[dict[str, Any]] = []
    pools: dict[str, list[dict[str, Any]]] = {}
    counts: dict[str, dict[str, int]] = {}
    for collection in COLLECTIONS:
        path = directory / f"{collection.name}.jsonl"
        if not path.exists():
            continue
        weight = (weights or {}).get(collection.name, collection.weight)
        by_readers = collection.is_pool or collection.name in taught_by_readers
        read = [
            _row(collection, raw, number, path, judgements if by_readers else None, weight)
            for number, raw in read_labelled(path)
        ]
        taught = [row for row in read if row["label"] is not None]
        rows.extend(taught)
        if by_readers:
            pools[collection.name] = read
        counts[collection.name] = _counted(read)
    return ExtraRows(rows, pools, counts)


def _row(
    collection: Collection,
    raw: dict[str, Any],
    number: int,
    path: Path,
    judgements: Mapping[str, Judgement] | None,
    weight: float,
) -> dict[str, Any]:
    """The row under Bastion's labels: the readers' where `judgements` are given (None: unread, unclear or
    changed since), else the collection's own."""
    row = {
        "id": str(raw.get("id", f"{collection.name}-{number}")),
        "text": raw["text"],
        "lang": raw.get("lang") or collection.lang or identify_language(normalise_text(raw["text"])),
        "source": collection.name,
        "collection": collection.name,
        "weight": weight,
    }
    if collection.labels is not None and raw["label"] not in collection.labels:
        raise LabelledFileError(f"{path}:{number}: {raw['label']!r} is not a label of {collection.name}")
    own = {} if collection.labels is None else {"own_label": raw["label"]}
    if judgements is not None:
        judged = judgements.get(row["id"])
        readable = judged is not None and judged.label != UNCLEAR and judged.digest == text_digest(raw["text"])
        return row | own | {"label": judged.label if readable and judged else None, "basis": JUDGE_BASIS}
    assert collection.labels is not None  # a pool is always read with judgements
    return row | own | {"label": collection.labels[raw["label"]], "basis": "text"}


def _counted(rows: list[dict[str, Any]]) -> dict[str, int]:
    counted = Counter(
        row["label"] if row["label"] in LABELS else "left out (unread, unclear or changed)" for row in rows
    )
    return dict(sorted(counted.items()))


def write_rows(extra: ExtraRows, path: Path) -> Path:
    """The taught rows as a labelled file training reads like any other (texts stay in the scratch directory)."""
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in extra.rows), encoding="utf-8")
    return path
