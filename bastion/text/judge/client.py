"""The judge tier: any OpenAI-compatible chat-completions endpoint, asked many posts at once.

Posts are asked concurrently (an `httpx.AsyncClient` under a semaphore) within
two budgets: a latency budget for the whole batch (what is not answered by
then is `unavailable`, and the fast tiers' verdict stands) and a cost budget
of calls per hour (past it, `over_budget`). An answer that is not valid is
asked again once, then counts as `invalid`; a 429 is waited out as its
`Retry-After` says when that fits the batch's budget. Answers are cached by
(text digest, policy version, judge model), so a text is paid for once per
policy. Nothing here raises: every failure is a status.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx
import structlog

from bastion.text.judge.answer import JudgeAnswer, parse_answer
from bastion.text.judge.prompt import messages
from bastion.text.policy import TvecPolicy

log = structlog.get_logger(__name__)

Status = Literal["answered", "cached", "unavailable", "invalid", "over_budget"]
CacheKey = tuple[str, str, str]  # (text digest, policy version, judge model)
_RATE_LIMIT_WAITS = 2  # a 429 is waited out at most this many times per post


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Judgement:
    answer: JudgeAnswer | None
    status: Status
    model: str
    policy_version: str
    reason: str = ""  # why there is no answer

    def as_evidence(self) -> dict[str, Any]:
        said: dict[str, Any] = {"model": self.model, "policy_version": self.policy_version, "status": self.status}
        if self.reason:
            said["reason"] = self.reason
        return said | (self.answer.model_dump(mode="json") if self.answer else {})


class AnswerCache(Protocol):
    def answers(self, keys: Sequence[CacheKey]) -> dict[CacheKey, dict[str, Any]]: ...

    def remember(self, answers: Mapping[CacheKey, dict[str, Any]]) -> None: ...


@dataclass
class CallBudget:
    """At most `per_hour` calls in any rolling hour (the cost budget); the clock is injected for tests."""

    per_hour: int
    clock: Callable[[], float] = time.monotonic
    _calls: deque[float] = field(default_factory=deque, init=False)

    def take(self) -> bool:
        now = self.clock()
        while self._calls and now - self._calls[0] >= 3600:
            self._calls.popleft()
        if len(self._calls) >= self.per_hour:
            return False
        self._calls.append(now)
        return True


@dataclass(frozen=True)
class Endpoint:
    url: str
    model: str
    api_key: str | None = None
    timeout: float = 10.0  # per request
    concurrency: int = 4


class Judge:
    def __init__(
        self,
        endpoint: Endpoint,
        policy: Callable[[], TvecPolicy],
        cache: AnswerCache | None = None,
        budget: CallBudget | None = None,
        batch_seconds: float = 20.0,
    ) -> None:
        self.endpoint = endpoint
        self.policy = policy
        self.cache = cache
        self.budget = budget
        self.batch_seconds = batch_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.endpoint.model

    def judge_batch(self, posts: Sequence[tuple[str, str | None]]) -> list[Judgement]:
        """`judge_many` for synchronous callers, on this judge's own event loop thread (the caller may be
        running an event loop of its own, as the API does)."""
        if not posts:
            return []
        future = asyncio.run_coroutine_threadsafe(self.judge_many(posts), self._own_loop())
        return future.result()

    async def judge_many(self, posts: Sequence[tuple[str, str | None]]) -> list[Judgement]:
        """One judgement per (text, language), in order; cached answers first, the rest asked concurrently."""
        policy = self.policy()
        keys = [(text_digest(text), policy.version, self.model) for text, _ in posts]
        known = self._cached(keys, policy)
        first: dict[CacheKey, int] = {}  # each text asked once, in the order given
        for index, key in enumerate(keys):
            if key not in known:
                first.setdefault(key, index)
        asked = await self._ask_all(policy, [posts[index] for index in first.values()])
        fresh = dict(zip(first, asked, strict=True))
        self._remember({key: j for key, j in fresh.items() if j.answer is not None})
        return [known.get(key) or fresh[key] for key in keys]

    def _cached(self, keys: list[CacheKey], policy: TvecPolicy) -> dict[CacheKey, Judgement]:
        if self.cache is None:
            return {}
        try:
            found = self.cache.answers(list(dict.fromkeys(keys)))
        except Exception as error:  # a cache that fails costs money, never the verdict
            log.warning("judge cache unreadable", error=str(error))
            return {}
        return {
            key: Judgement(JudgeAnswer.model_validate(answer), "cached", self.model, policy.version)
            for key, answer in found.items()
        }

    def _remember(self, answered: dict[CacheKey, Judgement]) -> None:
        if self.cache is None or not answered:
            return
        try:
            self.cache.remember({key: j.answer.model_dump(mode="json") for key, j in answered.items() if j.answer})
        except Exception as error:
            log.warning("judge cache not written", error=str(error))

    async def _ask_all(self, policy: TvecPolicy, posts: list[tuple[str, str | None]]) -> list[Judgement]:
        if not posts:
            return []
        deadline = time.monotonic() + self.batch_seconds
        semaphore = asyncio.Semaphore(self.endpoint.concurrency)
        headers = {"Authorization": f"Bearer {self.endpoint.api_key}"} if self.endpoint.api_key else {}
        async with httpx.AsyncClient(timeout=self.endpoint.timeout, headers=headers) as client:
            tasks = [
                asyncio.ensure_future(self._ask(client, semaphore, policy, text, lang, deadline))
                for text, lang in posts
            ]
            await asyncio.wait(tasks, timeout=self.batch_seconds)
            for task in tasks:
                task.cancel()
            return [
                task.result()
                if task.done() and not task.cancelled()
                else self._none(policy, "unavailable", "over the batch's latency budget")
                for task in tasks
            ]

    async def _ask(
        self,
        client: httpx.AsyncClient,
        semaphore: asyncio.Semaphore,
        policy: TvecPolicy,
        text: str,
        lang: str | None,
        deadline: float,
    ) -> Judgement:
        async with semaphore:
            waits = malformed = 0
            while True:
                if self.budget is not None and not self.budget.take():
                    return self._none(policy, "over_budget", "over the hourly call budget")
                try:
                    response = await client.post(
                        self.endpoint.url.rstrip("/") + "/chat/completions", json=self._request(policy, text, lang)
                    )
                    if (
                        response.status_code == 429
                        and waits < _RATE_LIMIT_WAITS
                        and await _waited_out(response, deadline)
                    ):
                        waits += 1
                        continue
                    response.raise_for_status()
                    content = response.json()["choices"][0]["message"]["content"]
                except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as error:
                    log.warning("judge unavailable", error=str(error) or type(error).__name__)
                    return self._none(policy, "unavailable", _reason(error))
                answer = parse_answer(content if isinstance(content, str) else "", text)
                if answer is not None:
                    return Judgement(answer, "answered", self.model, policy.version)
                malformed += 1
                log.warning("judge answered outside the schema", attempt=malformed)
                if malformed == 2:  # asked again once, then it counts as no answer
                    return self._none(policy, "invalid", "answered outside the schema twice")

    def _request(self, policy: TvecPolicy, text: str, lang: str | None) -> dict[str, object]:
        return {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": messages(policy, text, lang),
        }

    def _none(self, policy: TvecPolicy, status: Status, reason: str) -> Judgement:
        return Judgement(None, status, self.model, policy.version, reason)

    def _own_loop(self) -> asyncio.AbstractEventLoop:
        with self._loop_lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="judge-loop", daemon=True).start()
            return self._loop


async def _waited_out(response: httpx.Response, deadline: float) -> bool:
    """Sleep as long as a 429's Retry-After asks when that ends before the batch's deadline."""
    try:
        wait = max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        wait = 1.0
    if time.monotonic() + wait >= deadline:
        return False
    await asyncio.sleep(wait)
    return True


def _reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, httpx.HTTPError):
        return "unreachable"
    return "not a chat completion"
