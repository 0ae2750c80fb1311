from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.context import AppContext
from bastion.detectors.base import Detector
from bastion.detectors.urllist import UrlList, UrlListDetector, normalise_url
from bastion.settings import Settings
from tests.detectors.contract import DetectorContract, content_of


class TestUrlListContract(DetectorContract):
    flagged_text = "new video at https://crimson-dawn-media.example/v/1"

    def detector(self) -> Detector:
        return UrlListDetector.from_context(AppContext.read_only(Settings()))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://WWW.Example.COM/a/b/?utm_source=x&id=3#frag", ("example.com", "/a/b?id=3")),
        ("hxxp://bad[.]example/path", ("bad.example", "/path")),
        ("example.org", ("example.org", "/")),
        ("http://bücher.example/", ("xn--bcher-kva.example", "/")),
        ("http://localhost/", None),
    ],
)
def test_urls_normalise(raw: str, expected: tuple[str, str] | None) -> None:
    assert normalise_url(raw) == expected


@given(st.text(max_size=200))
def test_normalise_url_never_raises_and_is_stable(raw: str) -> None:
    result = normalise_url(raw)
    if result is not None:
        assert normalise_url(result[0] + result[1]) == result


def _detector() -> UrlListDetector:
    return UrlListDetector(
        [
            UrlList.model_validate(
                {
                    "name": "l",
                    "entries": [
                        {"domain": "outlet.example", "category": "propaganda"},
                        {"url": "https://drop.test/cdb/", "category": "propaganda", "labels": ["mirror"]},
                    ],
                }
            )
        ]
    )


@pytest.mark.parametrize("text", ["see cdn.outlet.example/x", "https://drop.test/cdb/file.zip", "drop[.]test/cdb/"])
def test_listed_domains_subdomains_and_prefixes_match(text: str) -> None:
    assert _detector().detect(content_of(text))


@pytest.mark.parametrize("text", ["notoutlet.example.com/x", "https://drop.test/other/", "outlet.example.org"])
def test_lookalike_hosts_and_other_paths_do_not_match(text: str) -> None:
    assert _detector().detect(content_of(text)) == []


def test_an_item_url_field_is_checked() -> None:
    content = content_of("watch this", url="https://outlet.example/watch")
    assert _detector().detect(content)[0].evidence["matched"] == "outlet.example"
