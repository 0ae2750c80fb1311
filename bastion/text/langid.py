"""Language identification, offline (py3langid's bundled model).

Short or mixed texts are reported as `und` (undetermined) rather than
guessed: a wrong language is worse than none, because per-language lists
and per-language metrics would then silently apply to the wrong text.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import islice

import py3langid.langid as _langid

UNDETERMINED = "und"
_MIN_CONFIDENCE = 0.5
_MIN_LETTERS = 8
_NOISE = re.compile(r"\bURL\b|@\w+|https?://\S+|#", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]")
# Varieties the model tells apart that Bastion's lists and metrics treat as one language.
_MACRO = {"arz": "ar", "nb": "no", "nn": "no", "ms": "id"}


@cache
def _identifier() -> _langid.LanguageIdentifier:
    return _langid.LanguageIdentifier.from_modelpath(_langid.MODEL_DIR / _langid.MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or `und` when it cannot be told reliably."""
    cleaned = _NOISE.sub(" ", text)
    if len(list(islice(_LETTERS.finditer(cleaned), _MIN_LETTERS))) < _MIN_LETTERS:  # not all 99,000 of them
        return UNDETERMINED
    lang, confidence = _identifier().classify(cleaned)
    if confidence < _MIN_CONFIDENCE:
        return UNDETERMINED
    return _MACRO.get(lang, lang)
