"""Which writing system a language is written in, for languages written in something other than Latin.

The fast tier reads character n-grams, so in a language it was never taught
its score says how much a text looks like the taught language that shares
its script: Urdu and Persian share letters and much religious vocabulary
with Arabic. Such a text is judged at the line drawn for that taught
language, whose own negatives showed how high that likeness runs, rather
than at the reference line drawn on Latin-script English.
"""

from __future__ import annotations

# ISO 15924 codes; languages as language identification reports them (ISO 639-1, or 639-3 where none).
_WRITTEN_IN = {
    "Arab": frozenset({"ar", "arz", "ckb", "fa", "ks", "prs", "ps", "sd", "ug", "ur"}),
    "Beng": frozenset({"as", "bn"}),
    "Cyrl": frozenset({"be", "bg", "kk", "ky", "mk", "mn", "ru", "sr", "tg", "tt", "uk"}),
    "Deva": frozenset({"hi", "mr", "ne"}),
    "Grek": frozenset({"el"}),
    "Hebr": frozenset({"he", "yi"}),
}
_SCRIPT_OF = {lang: script for script, langs in _WRITTEN_IN.items() for lang in langs}


def script_of(lang: str | None) -> str | None:
    """The ISO 15924 script `lang` is written in, or None for Latin-script and unknown languages."""
    return _SCRIPT_OF.get(lang or "")


def script_line_key(lang: str | None) -> str | None:
    """The thresholds' key for the line of `lang`'s script ("*Arab"), if it has a non-Latin script."""
    script = script_of(lang)
    return None if script is None else f"*{script}"
