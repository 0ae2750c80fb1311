"""Untrusted video: vPDQ within a duration, frame and time limit, or a clear refusal."""

from __future__ import annotations

import pytest

from bastion.banks.index import hamming
from bastion.core import ContentError
from bastion.media.hashing import hash_image, hash_video
from bastion.media.video import VideoFrame, vpdq_available
from tests.banks.conftest import encode, poster, video


def test_a_video_gets_one_frame_hash_a_second_and_its_digests() -> None:
    data = video((1, 1, 2))
    hashes = hash_video(data)
    assert hashes.hasher == ("vpdq" if vpdq_available() else "ffmpeg-1fps-pdq")
    assert len(hashes.frames) == 3 and len(hashes.md5) == 32 and len(hashes.sha256) == 64
    still = hash_image(encode(poster(1, (320, 240)))).pdq[0]
    assert hamming(hashes.frames[0].pdq, still) <= 31  # a frame hashes like the same picture as an image
    assert hamming(hashes.frames[2].pdq, still) > 31
    evidence = hashes.as_evidence()
    assert evidence["vpdq_frames"] == 3 and len(evidence["vpdq"]) == 2  # distinct frames are kept


def test_webm_is_hashed_too() -> None:
    assert len(hash_video(video((4, 5), fmt="webm")).frames) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x00\x00\x18ftypmp42 truncated", "not a decodable video"),
        (encode(poster(1)), "not a decodable video"),  # an image sent as a video
        (b"just some text, not a video", "not a decodable video"),
    ],
)
def test_bad_videos_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        hash_video(data)


def test_a_video_over_the_duration_limit_is_refused_before_decoding() -> None:
    with pytest.raises(ContentError, match="lasts 3 s; the limit is 2 s"):
        hash_video(video((1, 2, 3)), max_seconds=2)


def test_a_truncated_video_is_refused_or_hashed_from_what_decodes() -> None:
    data = video((1, 2, 3, 4))
    try:
        hashes = hash_video(data[: len(data) // 2])
    except ContentError as error:
        assert "video" in str(error)
    else:
        assert 0 < len(hashes.frames) <= 4


@pytest.mark.parametrize("text", ["abc", "f" * 64 + ",101,0", "f" * 64 + ",50,-1", "f" * 63 + ",50,0"])
def test_bad_vpdq_frames_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a vPDQ frame"):
        VideoFrame.parse(text)


def test_without_vpdq_ffmpeg_samples_a_frame_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bastion.media.video.vpdq_available", lambda: False)
    hashes = hash_video(video((1, 2)))
    assert hashes.hasher == "ffmpeg-1fps-pdq" and len(hashes.frames) == 2
