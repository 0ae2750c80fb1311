"""The judge tier against a real local HTTP server: answers, retries, timeouts, rate limits, budgets, the cache."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from bastion.core import Category
from bastion.text.judge.client import CacheKey, CallBudget, Endpoint, Judge
from bastion.text.policy import TvecPolicy
from tests.text.fake_judge import FakeJudgeServer, answer, judge_server

__all__ = ["judge_server"]


class DictCache:
    def __init__(self) -> None:
        self.stored: dict[CacheKey, dict[str, Any]] = {}

    def answers(self, keys: Sequence[CacheKey]) -> dict[CacheKey, dict[str, Any]]:
        return {key: self.stored[key] for key in keys if key in self.stored}

    def remember(self, answers: Mapping[CacheKey, dict[str, Any]]) -> None:
        self.stored.update(answers)


def _judge(server: FakeJudgeServer, **options: Any) -> Judge:
    endpoint = Endpoint(
        server.url,
        "test-model",
        options.pop("api_key", None),
        options.pop("timeout", 5.0),
        options.pop("concurrency", 4),
    )
    return Judge(endpoint, TvecPolicy.load, **options)


def test_a_valid_answer_is_used_and_the_request_is_strict(judge_server: FakeJudgeServer) -> None:
    judge_server.reply = answer("tvec", "recruitment", spans=["join the crimson dawn"])
    [judgement] = _judge(judge_server, api_key="secret").judge_batch([("please join the crimson dawn", "en")])
    assert judgement.status == "answered"
    assert judgement.answer is not None and judgement.answer.category is Category.RECRUITMENT
    assert judgement.answer.training_label() == "tvec"
    assert judgement.policy_version == TvecPolicy.load().version
    request = judge_server.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    body = request["body"]
    assert isinstance(body, dict)
    assert body["model"] == "test-model" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    assert "protected contexts" in judge_server.system_prompt().lower()  # the policy document is the prompt


def _valid() -> dict[str, Any]:
    return json.loads(answer("not_tvec", "benign"))


@pytest.mark.parametrize(
    "reply",
    [
        "I think this is probably fine.",  # not JSON
        json.dumps({"label": "tvec"}),  # fields missing
        json.dumps(_valid() | {"label": "yes"}),  # not a label
        json.dumps(_valid() | {"label": "tvec", "category": "news"}),  # contradicts itself
        json.dumps(_valid() | {"extra": 1}),  # more than the schema
        json.dumps(_valid() | {"spans": ["words the post never said"]}),  # relies on text that is not there
        json.dumps(_valid() | {"protected_context": "sports"}),
    ],
)
def test_answers_outside_the_schema_are_asked_again_once_then_refused(
    judge_server: FakeJudgeServer, reply: str
) -> None:
    judge_server.reply = reply
    [judgement] = _judge(judge_server).judge_batch([("a quiet fictional post", None)])
    assert judgement.status == "invalid" and judgement.answer is None
    assert len(judge_server.requests) == 2


def test_a_malformed_answer_then_a_valid_one_counts(judge_server: FakeJudgeServer) -> None:
    judge_server.script = [(200, {}, "{not json")]
    [judgement] = _judge(judge_server).judge_batch([("a quiet fictional post", None)])
    assert judgement.status == "answered" and len(judge_server.requests) == 2


def test_a_slow_judge_times_out(judge_server: FakeJudgeServer) -> None:
    judge_server.delay = 2.0
    [judgement] = _judge(judge_server, timeout=0.2).judge_batch([("text", None)])
    assert (judgement.status, judgement.reason) == ("unavailable", "timed out")


def test_a_batch_over_its_latency_budget_answers_what_it_has(judge_server: FakeJudgeServer) -> None:
    judge_server.delay = 3.0
    judgements = _judge(judge_server, batch_seconds=0.3).judge_batch([("one", None), ("two", None)])
    assert {(j.status, j.reason) for j in judgements} == {("unavailable", "over the batch's latency budget")}


def test_a_judge_that_is_down_is_unavailable() -> None:
    endpoint = Endpoint("http://127.0.0.1:9/v1", "m", timeout=1)
    [judgement] = Judge(endpoint, TvecPolicy.load).judge_batch([("text", None)])
    assert (judgement.status, judgement.reason) == ("unavailable", "unreachable")


def test_a_rate_limit_is_waited_out_as_retry_after_says(judge_server: FakeJudgeServer) -> None:
    judge_server.script = [(429, {"Retry-After": "0.1"}, "")]
    [judgement] = _judge(judge_server).judge_batch([("text", None)])
    assert judgement.status == "answered" and len(judge_server.requests) == 2


def test_a_rate_limit_longer_than_the_budget_is_not_waited_for(judge_server: FakeJudgeServer) -> None:
    judge_server.script = [(429, {"Retry-After": "120"}, "")]
    [judgement] = _judge(judge_server, batch_seconds=5).judge_batch([("text", None)])
    assert (judgement.status, judgement.reason) == ("unavailable", "HTTP 429")
    assert len(judge_server.requests) == 1


def test_posts_are_asked_concurrently_up_to_the_limit(judge_server: FakeJudgeServer) -> None:
    judge_server.delay = 0.5  # long enough for the first three to overlap on a busy machine
    posts = [(f"fictional post number {n}", "en") for n in range(8)]
    judgements = _judge(judge_server, concurrency=3).judge_batch(posts)
    assert [j.status for j in judgements] == ["answered"] * 8
    assert judge_server.most_in_flight == 3


def test_the_hourly_call_budget_holds(judge_server: FakeJudgeServer) -> None:
    now = [0.0]
    judge = _judge(judge_server, budget=CallBudget(2, clock=lambda: now[0]), concurrency=1)
    statuses = [j.status for j in judge.judge_batch([("one", None), ("two", None), ("three", None)])]
    assert statuses == ["answered", "answered", "over_budget"]
    now[0] = 3600.0
    assert [j.status for j in judge.judge_batch([("three", None)])] == ["answered"]


def test_answers_are_cached_by_text_policy_and_model(judge_server: FakeJudgeServer) -> None:
    cache = DictCache()
    judge = _judge(judge_server, cache=cache)
    first = judge.judge_batch([("same text", None), ("same text", "en")])
    assert [j.status for j in first] == ["answered", "answered"] and len(judge_server.requests) == 1
    [again] = judge.judge_batch([("same text", None)])
    assert again.status == "cached" and again.answer == first[0].answer and len(judge_server.requests) == 1
    other_model = Judge(Endpoint(judge_server.url, "another-model"), TvecPolicy.load, cache)
    assert other_model.judge_batch([("same text", None)])[0].status == "answered"
    assert len(judge_server.requests) == 2


def test_no_answer_is_never_cached(judge_server: FakeJudgeServer) -> None:
    cache = DictCache()
    judge_server.reply = "not json"
    _judge(judge_server, cache=cache).judge_batch([("text", None)])
    assert cache.stored == {}
