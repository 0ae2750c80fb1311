"""All configuration, read once from the environment (BASTION_*) and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PACKAGE_DATA = Path(__file__).parent / "data"
STALLED_TRANSACTION_SECONDS = 30.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore")

    data_dir: Path = Path("./bastion-data")
    database_url: str | None = None
    # PostgreSQL ends a session that sends nothing inside its transaction for this long, and so frees its locks:
    # a writer stopped mid-transaction (SIGSTOP, a frozen VM) held the audit chain's lock, and every other writer
    # waited for it without end. Its transaction is rolled back; what it was recording is recorded on the retry.
    # On SQLite, whose writer lock no one can take from a stopped process, a writer waits this long for it at most.
    database_stalled_transaction_seconds: float = Field(default=STALLED_TRANSACTION_SECONDS, gt=0)
    max_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_text_chars: int = Field(default=100_000, gt=0)
    # /v1/check micro-batching: how long a request waits for others to share its pipeline pass and transaction,
    # and the most items in one batch. Media and texts longer than `heavy_check_chars` are checked apart,
    # at most `heavy_check_concurrency` at a time, so that one of them never holds up a batch.
    check_batch_wait_ms: float = Field(default=2.0, ge=0)
    check_batch_max: int = Field(default=256, gt=0)
    heavy_check_chars: int = Field(default=4_000, gt=0)
    heavy_check_concurrency: int = Field(default=2, gt=0)
    # While batches are in flight, the share of the time each heavy check may take: it pauses between its
    # steps (preparing, each detector) (1 - share) / share times as long as the step took: 3x at 0.25.
    heavy_check_share: float = Field(default=0.25, gt=0, le=1)
    # How long a request refused as malformed (400: not JSON, not UTF-8) waits before its answer, and only
    # while ordinary checks are in flight: the sender's loop slows, not theirs.
    malformed_request_pause_ms: float = Field(default=10.0, ge=0)
    # `bastion serve`: the time a client has to send a request's headers, then its body (slow clients get 408),
    # and how long a stopping server lets requests in flight finish.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    # `bastion serve`: the requests one connection carries before the server closes it after the answer, so that
    # clients reconnect to whichever worker process is least busy (bastion/api/keep_alive.py).
    keepalive_requests: int = Field(default=100, gt=0)
    shutdown_grace_seconds: int = Field(default=20, gt=0)

    policy_dir: Path = _PACKAGE_DATA / "policies"
    term_lists_dir: Path = _PACKAGE_DATA / "termlists"
    url_lists_dir: Path = _PACKAGE_DATA / "urllists"
    text_model_dir: Path = _PACKAGE_DATA / "models" / "text"
    # The deep tier's sentence encoder: the numpy port the packaged model was trained on; the same pass through
    # onnxruntime in float32 (the port's vectors to 4e-7, no verdict of 45,130 changed, 1.25-1.6x less CPU a text:
    # docs/benchmarks.md); or with int8 convolutions (1.4x less CPU, 0.05% of deep-tier verdicts differ).
    deep_tier_encoder: Literal["numpy", "onnx-float32", "onnx-int8"] = "onnx-float32"
    category_cues: Path = _PACKAGE_DATA / "text" / "category-cues.yaml"
    # Texts longer than `text_window_chars` are read in windows of at most that many characters, overlapping by
    # about `text_window_overlap`, and judged by their most TVEC-like window: padding cannot dilute a post away.
    # The whole cascade (the deep tier) reads a text's `text_deep_windows` most TVEC-like windows by the fast tier.
    text_window_chars: int = Field(default=300, ge=100)
    text_window_overlap: int = Field(default=140, ge=0)
    text_deep_windows: int = Field(default=8, gt=0)
    # OCR of images (Tesseract language packs joined by "+") and the limits on decoding them.
    ocr_languages: str = "eng+ara+fra+rus"
    ocr_timeout: float = Field(default=15.0, gt=0)
    max_image_pixels: int = Field(default=50_000_000, gt=0)
    # The pixels one process decodes at once (hashing and OCR together): ~10 bytes each are alive meanwhile.
    image_decode_budget_pixels: int = Field(default=60_000_000, gt=0)
    max_video_seconds: int = Field(default=600, gt=0)
    # Hash matching: PDQ Hamming distance (banks may override), PDQ quality below which a hash is
    # too featureless to match, how often the index looks for new entries, and over-matching quarantine.
    pdq_threshold: int = Field(default=31, ge=0, le=128)
    pdq_quality_floor: int = Field(default=50, ge=0, le=100)
    bank_refresh_seconds: float = Field(default=2.0, ge=0)
    quarantine_matches_per_hour: int = Field(default=100, gt=0)
    retro_match_days: int = Field(default=30, gt=0)
    retro_match_interval_seconds: float = Field(default=30.0, gt=0)
    # vPDQ: a video matches when this share (%) of its distinct frames is found in an entry, or of the entry's in it.
    vpdq_query_match_percent: float = Field(default=80.0, ge=0, le=100)
    vpdq_entry_match_percent: float = Field(default=80.0, ge=0, le=100)
    # The web UI's session cookie (a random secret is kept in the data dir when unset) and
    # where decisions are delivered (a webhook signed with HMAC-SHA256; unset keeps them queued).
    session_secret: str | None = None
    secure_cookies: bool = True  # sent over HTTPS only; `bastion demo` (plain http on 127.0.0.1) turns it off
    # Failed logins in a window that lock a username (or a client address), and for how long.
    login_failures_per_username: int = Field(default=5, gt=0)
    login_failures_per_address: int = Field(default=20, gt=0)
    login_window_minutes: float = Field(default=15.0, gt=0)
    login_lockout_minutes: float = Field(default=15.0, gt=0)
    action_target: str = "webhook"  # an entry point of `bastion.action_targets`
    action_webhook_url: str | None = None
    action_webhook_secret: str | None = None  # no default: a guessable key would let anyone forge actions
    action_delivery_interval_seconds: float = Field(default=5.0, gt=0)
    # DSA notices (Art 16): the shortest explanation taken as "sufficiently substantiated", and how many notices
    # the public form takes from one client address an hour. Whom to tell of a threat to life (TCO Art 14(5)).
    notice_min_explanation_chars: int = Field(default=20, ge=1)
    notices_per_address_per_hour: int = Field(default=10, gt=0)
    threat_contacts: Path = _PACKAGE_DATA / "legal" / "threat-contacts.yaml"
    # The optional LLM judge (any OpenAI-compatible endpoint), off unless a URL is set.
    # It is asked about texts scoring within `band` (relative) of their threshold.
    llm_judge_url: str | None = None
    llm_judge_model: str = "default"
    llm_judge_api_key: str | None = None
    llm_judge_timeout: float = Field(default=10.0, gt=0)
    llm_judge_band: float = Field(default=0.5, ge=0.0)
    # The judge can only raise a text to TVEC; clearing what the model flagged needs this on purpose.
    llm_judge_may_clear: bool = False
    # Its budgets (concurrent requests, calls an hour, seconds a batch may wait) and the random share of texts
    # it is also asked about beyond the uncertain ones; the TVEC policy document its prompt is built from.
    llm_judge_concurrency: int = Field(default=4, gt=0)
    llm_judge_calls_per_hour: int = Field(default=2000, gt=0)
    llm_judge_batch_seconds: float = Field(default=20.0, gt=0)
    llm_judge_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    tvec_policy_file: Path = _PACKAGE_DATA / "policies" / "tvec-policy.md"
    # The learning loop: the share of items the model allowed that go to review blind (recall is measured on
    # them), at what queue priority; how often serving processes look for a newly promoted or shadow model.
    blind_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    blind_sample_priority: int = 10  # Priority.LOW, as the detection cases it hides among
    model_refresh_seconds: float = Field(default=30.0, ge=0)
    # The HMAC key that signs audit anchors (`bastion audit anchor`; `serve` anchors every interval when set).
    audit_key: str | None = None
    audit_anchor_interval_seconds: float = Field(default=3600.0, gt=0)
    # Removal orders and preservation (TCO Art 3-6): the regime files, the platform's size (DSA Art 15(2) and 19
    # spare micro and small enterprises some duties), the Member State of its main establishment or legal
    # representative (an order from another is cross-border, Art 4), and how often clocks and holds are checked.
    regimes_dir: Path = _PACKAGE_DATA / "regimes"
    enterprise_size: str = Field(default="large", pattern="^(micro|small|medium|large)$")
    main_establishment: str | None = Field(default=None, pattern="^[A-Z]{2}$")
    legal_tick_interval_seconds: float = Field(default=30.0, gt=0)
    # The DSA Transparency Database (Art 24(5)): the API's base URL (the sandbox's for onboarding; its address is
    # unconfirmed in the brief), the platform's token, statements per call (the API takes 1 to 100), how long a
    # call may take before Bastion asks by puid whether it arrived, the longest Retry-After a run waits out on a
    # 429, and how many timeouts or 429s in a row end a run (the rest waits for the next).
    sor_api_url: str = "https://transparency.dsa.ec.europa.eu/api/v1"
    sor_api_token: str | None = None
    sor_batch_size: int = Field(default=100, ge=1, le=100)
    sor_timeout_seconds: float = Field(default=30.0, gt=0)
    sor_max_retry_after_seconds: float = Field(default=120.0, ge=0)
    sor_max_attempts: int = Field(default=5, ge=1)
    # Conduct over time (strikes, thresholds, containers, respawns, networks): a YAML policy (bastion/actors/policy.py).
    conduct_policy_file: Path = _PACKAGE_DATA / "conduct" / "default.yaml"
    # Detector entry-point names to run; empty means every installed detector.
    detectors: list[str] = Field(default_factory=list)

    # The stream (NATS JetStream): where `bastion worker` takes items and `bastion publish` puts them. The stream
    # name prefixes every stream, subject and consumer, so deployments and test runs can share one server.
    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream: str = Field(default="BASTION", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # A worker takes up to `batch_size` items at a time (one transaction each) and holds at most `max_in_flight`
    # unacknowledged; a message that fails `max_deliveries` times goes to the dead-letter stream.
    # No batch is fetched ahead by default: an item fetched ahead waits out the whole batch before it, and at
    # 256 / 512 the p99 from publish to verdict was 317-666 ms against 190-338 ms at 128 / 128, at the same
    # rate (docs/benchmarks.md, "The stream").
    worker_batch_size: int = Field(default=128, gt=0, le=4096)
    worker_max_in_flight: int = Field(default=128, gt=0)
    worker_max_deliveries: int = Field(default=5, gt=0)
    worker_ack_wait_seconds: float = Field(default=60.0, gt=0)
    worker_retry_delay_seconds: float = Field(default=2.0, ge=0)
    # A stream receipt (what makes a redelivered message a no-op) is needed while its message can come back:
    # `bastion stream prune-receipts` deletes older ones, and refuses a retention shorter than redelivery.
    stream_receipt_retention_hours: float = Field(default=24.0, gt=0)

    # Rule firing alerts: a rule firing more than `factor` times its usual rate.
    rule_alert_factor: float = 5.0
    rule_alert_min_fires: int = 20

    @field_validator(
        "data_dir", "policy_dir", "term_lists_dir", "url_lists_dir", "text_model_dir", "category_cues", "regimes_dir"
    )
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("text_window_overlap")
    @classmethod
    def _overlap_under_half_a_window(cls, value: int, info: ValidationInfo) -> int:
        chars = info.data.get("text_window_chars")
        if chars is not None and value >= chars // 2:  # windows would not move forward past a break
            raise ValueError(f"must be under half of text_window_chars ({chars})")
        return value

    @field_validator("tvec_policy_file")
    @classmethod
    def _expand_policy_file(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'bastion.db').resolve()}"
