"""URL and domain lists: known propaganda outlets and file-sharing mirrors.

URLs are found in text (including defanged forms such as `hxxp://x[.]example`)
and in an item's `url` field, then normalised: lower-case IDNA host without
`www.`, default port, fragment or tracking parameters. A domain entry matches
the domain and its subdomains; a URL entry matches that host and path prefix.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bastion.core import Category, Signal
from bastion.detectors.base import Content, Detector

if TYPE_CHECKING:
    from bastion.context import AppContext

_URL_IN_TEXT = re.compile(
    r"(?:h(?:tt|xx)ps?://|www\.)[^\s<>\"')]+"  # with a scheme, defanged or not
    r"|\b[\w-]+(?:(?:\.|\[\.\])[\w-]+)*(?:\.|\[\.\])[a-z]{2,}\b(?:/[^\s<>\"')]*)?",  # bare host, maybe a path
    re.IGNORECASE,
)
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|ref|si)$")


class UrlEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str | None = None
    url: str | None = None
    category: Category = Category.PROPAGANDA
    score: float = Field(default=0.9, ge=0.0, le=1.0)
    labels: list[str] = Field(default_factory=list)


class UrlList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = 1
    entries: list[UrlEntry]


def normalise_url(raw: str) -> tuple[str, str] | None:
    """(host, path-and-query) of a URL in canonical form, or None if it has no host."""
    text = raw.strip().replace("[.]", ".").replace("(.)", ".").replace("[:]", ":")
    text = re.sub(r"^hxxp", "http", text, flags=re.IGNORECASE)
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host.lower()
    except (ValueError, UnicodeError):
        return None
    if not host or "." not in host:
        return None
    host = host.removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)])
    path = (parts.path or "/").rstrip("/") or "/"
    return host, path + (f"?{query}" if query else "")


def load_url_lists(directory: Path) -> list[UrlList]:
    return [
        UrlList.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.y*ml"))
    ]


class UrlListDetector(Detector):
    name = "urllist"
    version = "1"

    def __init__(self, lists: list[UrlList]) -> None:
        self._domains: dict[str, tuple[UrlEntry, str]] = {}
        self._prefixes: dict[str, list[tuple[str, UrlEntry, str]]] = {}
        for url_list in lists:
            for entry in url_list.entries:
                self._index(entry, url_list.name)
        digest = hashlib.sha256("".join(u.model_dump_json() for u in lists).encode()).hexdigest()[:8]
        self.version = f"1+{digest}"

    def _index(self, entry: UrlEntry, list_name: str) -> None:
        if entry.domain:
            canonical = normalise_url(entry.domain)
            if canonical:
                self._domains[canonical[0]] = (entry, list_name)
        if entry.url:
            canonical = normalise_url(entry.url)
            if canonical:
                self._prefixes.setdefault(canonical[0], []).append((canonical[1], entry, list_name))

    @classmethod
    def from_context(cls, context: AppContext) -> UrlListDetector:
        return cls(load_url_lists(context.settings.url_lists_dir))

    def applies_to(self, content: Content) -> bool:
        return bool(self._domains or self._prefixes) and bool(content.texts or content.item.metadata.get("url"))

    def detect(self, content: Content) -> list[Signal]:
        signals: dict[str, Signal] = {}
        for raw in self._candidate_urls(content):
            canonical = normalise_url(raw)
            if canonical is None:
                continue
            found = self._match(*canonical)
            if found and found[0] not in signals:
                matched, entry, list_name = found
                signals[matched] = Signal(
                    detector=self.name,
                    version=self.version,
                    category=entry.category,
                    score=entry.score if entry.category.is_violating else 0.0,
                    evidence={"url": raw, "matched": matched, "list": list_name, "labels": entry.labels},
                )
        return list(signals.values())

    def _candidate_urls(self, content: Content) -> list[str]:
        urls = [m.group().rstrip(".,;:!?]") for f in content.texts for m in _URL_IN_TEXT.finditer(f.original)]
        for value in (content.item.metadata.get("url"), content.item.media.url if content.item.media else None):
            if isinstance(value, str):
                urls.append(value)
        return urls

    def _match(self, host: str, path: str) -> tuple[str, UrlEntry, str] | None:
        for prefix, entry, list_name in self._prefixes.get(host, []):
            if path == prefix or path.startswith(prefix.rstrip("/") + "/") or prefix == "/":
                return f"{host}{prefix}", entry, list_name
        labels = host.split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            if candidate in self._domains:
                entry, list_name = self._domains[candidate]
                return candidate, entry, list_name
        return None
