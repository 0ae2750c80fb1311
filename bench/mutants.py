"""Mutation run over the safeguards: plant one known bug at a time and check that a test fails.

    .venv/bin/python bench/mutants.py [--only NAME ...] [--postgres] [--list]

Each mutant is an exact (file, old text, new text) replacement and names the
test files that guard its safeguard. The run copies the repository's files (as
a clone has them: tracked and new, nothing ignored) into a temporary directory,
checks that pytest there imports the copy's `bastion` and that the guarding
tests pass unmutated, then applies each mutant to the copy alone (the working
tree is never touched), runs its test files and puts the file back.

A mutant whose old text is missing, or found more than once, stops the run
before anything is tested: the list must stay true as the code moves. Exit
status: 0 when every mutant is killed, 1 when any survives, 2 when the run
itself cannot be trusted (a missing old text, a copy that imports the wrong
code, tests that fail before any mutation, or pytest ending other than pass or fail).
PostgreSQL variants are deselected unless --postgres: the planted bugs are in
logic that both databases share, and the run stays minutes long.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "audit link check removed",
        "bastion/store/audit.py",
        "        if row.prev_hash != prev_hash:\n"
        '            return ChainReport(count, row.seq, "its prev_hash does not match the record before it")\n',
        "",
        ("tests/store/test_audit.py", "tests/store/test_audit_links.py"),
    ),
    Mutant(
        "revoked keys accepted",
        "bastion/store/keys.py",
        "if row is None or row.revoked or not hmac.compare_digest",
        "if row is None or not hmac.compare_digest",
        ("tests/api/test_scopes.py", "tests/api/test_key_secrets.py"),
    ),
    Mutant(
        "known key prefix with any secret accepted",
        "bastion/store/keys.py",
        " or not hmac.compare_digest(row.secret_hash, _digest(parts[2])):",
        ":",
        ("tests/api/test_scopes.py", "tests/api/test_key_secrets.py"),
    ),
    Mutant(
        "scope check skipped",
        "bastion/api/auth.py",
        "        if scope.value not in grant.scopes:\n",
        "        if False:\n",
        ("tests/api/test_scopes.py",),
    ),
    Mutant(
        "/audit opened to senior moderators",
        "bastion/review/accounts.py",
        "            Permission.DECIDE_ESCALATED,\n",
        "            Permission.DECIDE_ESCALATED,\n            Permission.VIEW_AUDIT,\n",
        ("tests/web/test_pages.py", "tests/web/test_role_pages.py"),
    ),
    Mutant(
        "PDQ default threshold lowered to 16",
        "bastion/settings.py",
        "pdq_threshold: int = Field(default=31,",
        "pdq_threshold: int = Field(default=16,",
        ("tests/banks/test_pdq.py", "tests/banks/test_matching_api.py", "tests/banks/test_match_limits.py"),
    ),
    Mutant(
        "allow-bank veto limited to exact matches",
        "bastion/banks/matcher.py",
        "if any(m.benign for m in found):",
        "if any(m.benign and m.exact for m in found):",
        ("tests/banks/test_matching_api.py", "tests/banks/test_match_limits.py"),
    ),
    Mutant(
        "quarantine window removed",
        "bastion/banks/matches.py",
        "tx.banks.match_counts_since(now - timedelta(hours=1),",
        "tx.banks.match_counts_since(now - timedelta(days=3650),",
        ("tests/banks/test_matching_api.py", "tests/banks/test_match_limits.py"),
    ),
    Mutant(
        "precision computed as recall",
        "bastion/training/evaluate.py",
        '"precision": round(caught / (caught + false_alarms), 4) if caught + false_alarms else None,',
        '"precision": round(caught / len(positives), 4),',
        ("tests/training/test_eval_labels.py", "tests/training/test_eval_figures.py"),
    ),
    Mutant(
        "shadow rules dropped from verdicts",
        "bastion/pipeline.py",
        "shadow_rules=decision.shadow,",
        "shadow_rules=[],",
        ("tests/rules/test_policy.py", "tests/rules/test_shadow_verdicts.py"),
    ),
    Mutant(
        "webhook secret ignored (signing)",
        "bastion/actions/webhook.py",
        "hmac.new(secret.encode(),",
        'hmac.new(b"",',
        ("tests/actions/test_targets.py", "tests/review/test_reports_appeals_api.py"),
    ),
    Mutant(
        "webhook secret ignored (delivery)",
        "bastion/actions/webhook.py",
        "signature(self.secret,",
        'signature("",',
        ("tests/actions/test_targets.py", "tests/review/test_reports_appeals_api.py"),
    ),
    Mutant(
        "empty multipart upload accepted",
        "bastion/api/check.py",
        "        if not data:\n",
        "        if data is None:\n",
        ("tests/api/test_bad_input.py", "tests/api/test_empty_media.py"),
    ),
    Mutant(
        "prepare's missing-media check removed",
        "bastion/pipeline.py",
        "if not media and item.kind in (Kind.IMAGE, Kind.VIDEO):",
        "if False and item.kind in (Kind.IMAGE, Kind.VIDEO):",
        ("tests/api/test_empty_media.py", "tests/cli/test_scan_bad_input.py"),
    ),
    Mutant(
        "claim's conditional UPDATE condition dropped",
        "bastion/store/cases.py",
        "                or_(CaseRow.assignee.is_(None), CaseRow.assignee == assignee, "
        "CaseRow.updated_at < expired_before),\n",
        "",
        ("tests/review/test_cases.py",),
    ),
    Mutant(
        "decide allowed after decided",
        "bastion/review/states.py",
        "    (CaseState.ASSIGNED, Step.DECIDE): CaseState.DECIDED,\n",
        "    (CaseState.ASSIGNED, Step.DECIDE): CaseState.DECIDED,\n"
        "    (CaseState.DECIDED, Step.DECIDE): CaseState.DECIDED,\n",
        ("tests/review/test_states.py", "tests/review/test_cases.py"),
    ),
    Mutant(
        "sessions outlive logout (generation not checked)",
        "bastion/web/auth.py",
        ' or request.session.get("generation") != user.session_generation:',
        ":",
        ("tests/web/test_login_security.py",),
    ),
    Mutant(
        "a login lock ignored (argon2 runs for every attempt)",
        "bastion/web/auth.py",
        "        refusal = login_lock(tx, name, address, now)\n",
        "        refusal = None\n",
        ("tests/web/test_login_security.py",),
    ),
    Mutant(
        "webhook timestamp left out of the signature",
        "bastion/actions/webhook.py",
        'hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)',
        "hmac.new(secret.encode(), body, hashlib.sha256)",
        ("tests/review/test_reports_appeals_api.py", "tests/actions/test_targets.py"),
    ),
    Mutant(
        "a truncated chain passes its anchors",
        "bastion/store/anchors.py",
        "        if found is None:\n",
        "        if found is None and False:\n",
        ("tests/store/test_audit_anchor.py",),
    ),
    Mutant(
        "an appeal decided below the contested decision's tier",
        "bastion/review/cases.py",
        "    case.escalated_to = _tier_of(tx, case, last)\n",
        "    case.escalated_to = None\n",
        ("tests/review/test_role_tiers.py", "tests/review/test_states.py"),
    ),
    Mutant(
        "a case page shown to a role its queue hides",
        "bastion/web/routes.py",
        "    if case is not None and not may_see(case, user):\n",
        "    if False:\n",
        ("tests/web/test_route_permissions.py",),
    ),
    Mutant(
        "an item added to an allow bank from a case",
        "bastion/review/cases.py",
        "    if bank.benign:\n",
        "    if False:\n",
        ("tests/review/test_role_tiers.py",),
    ),
    Mutant(
        "the LLM judge clears what the model flagged",
        "bastion/detectors/text_model.py",
        "applied = judgement.answer.tvec or not is_tvec or self.judge_may_clear",
        "applied = True",
        ("tests/text/test_llm_judge.py",),
    ),
    Mutant(
        "a rule expression's cost not checked",
        "bastion/rules/expressions.py",
        "        if problem is not None:\n            raise ExpressionError(",
        "        if False:\n            raise ExpressionError(",
        ("tests/rules/test_expression_cost.py",),
    ),
    Mutant(
        "pages may be framed (no frame-ancestors)",
        "bastion/api/security_headers.py",
        "; frame-ancestors 'none'",
        "",
        ("tests/api/test_security_headers.py",),
    ),
    Mutant(
        "every bank applies to every platform",
        "bastion/banks/entries.py",
        "    return owner is None or (platform is not None and (owner == platform or platform in subscribers))\n",
        "    return True\n",
        ("tests/banks/test_tenancy.py",),
    ),
    Mutant(
        "a case found by item id alone (any platform's)",
        "bastion/store/cases.py",
        "select(CaseRow).where(CaseRow.platform == platform, CaseRow.item_id == item_id)",
        "select(CaseRow).where(CaseRow.item_id == item_id)",
        ("tests/review/test_platform_scope.py", "tests/api/test_item_tenancy.py"),
    ),
    Mutant(
        "a stored verdict found by item id alone (any platform's)",
        "bastion/store/items.py",
        "select(VerdictRow.body).where(VerdictRow.platform == platform, VerdictRow.item_id == item_id)",
        "select(VerdictRow.body).where(VerdictRow.item_id == item_id)",
        ("tests/review/test_platform_scope.py", "tests/api/test_item_tenancy.py"),
    ),
    Mutant(
        "a case joined to its item by id alone (the queue)",
        "bastion/store/case_view.py",
        "    return and_(platform == CaseRow.platform, item_id == CaseRow.item_id)\n",
        "    return and_(item_id == CaseRow.item_id)\n",
        ("tests/api/test_item_tenancy.py",),
    ),
    Mutant(
        "a reporter's track record counted across platforms",
        "bastion/store/reports.py",
        "ReportRow.platform == platform, ReportRow.reporter.in_(set(reporters)), ReportRow.outcome.is_not(None)",
        "ReportRow.reporter.in_(set(reporters)), ReportRow.outcome.is_not(None)",
        ("tests/api/test_item_tenancy.py",),
    ),
    Mutant(
        "SQLite migrations run with foreign keys on (a table rebuild cascades deletes)",
        "bastion/store/db.py",
        '                raw.execute("PRAGMA foreign_keys=OFF")\n',
        "                pass\n",
        ("tests/store/test_platform_item_ids_migration.py",),
    ),
    Mutant(
        "a bank name taken by another platform's bank",
        "bastion/banks/entries.py",
        "    return any(applies_to(b.owner, tx.banks.subscribers_of(b.id), owner) for b in tx.banks.all_named(name))\n",
        "    return bool(tx.banks.all_named(name))\n",
        ("tests/banks/test_bank_names.py",),
    ),
    Mutant(
        "a database file an older release left 0644 stays readable by all",
        "bastion/store/db.py",
        "            os.chmod(path, mode)\n",
        "            pass\n",
        ("tests/store/test_file_permissions.py",),
    ),
    Mutant(
        "the judge's spans not checked against the post",
        "bastion/text/judge/answer.py",
        "        return all(span.strip() and (span in text or span in shown) for span in self.spans)\n",
        "        return True\n",
        ("tests/text/test_judge_client.py",),
    ),
    Mutant(
        "blind samples counted without their sampling rate",
        "bastion/learning/estimates.py",
        "    share = sum(s.weight for s in decided if s.tvec) / total\n",
        "    share = sum(1 for s in decided if s.tvec) / len(decided)\n",
        ("tests/learning/test_estimates.py",),
    ),
)


def check_mutants(root: Path, mutants: tuple[Mutant, ...]) -> list[str]:
    """Every problem that makes the list untrue for the code under `root` (an old text missing or ambiguous)."""
    problems = []
    for mutant in mutants:
        path = root / mutant.file
        found = path.read_text(encoding="utf-8").count(mutant.old) if path.is_file() else 0
        if found != 1:
            problems.append(f"{mutant.name}: its old text is found {found} times in {mutant.file} (needs exactly 1)")
        problems += [f"{mutant.name}: no test file {t}" for t in mutant.tests if not (root / t).is_file()]
    return problems


def copy_repository(target: Path) -> Path:
    """The repository's files as a clone has them, with ../shared beside the copy as beside a clone."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    repo = target / "repo"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    if SHARED.is_dir():
        (target / "shared").symlink_to(SHARED)
    return repo


def _environment(repo: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") or k == "BASTION_TEST_PG"}
    return env | {"PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1"}


def imported_from(repo: Path) -> Path:
    """Where `import bastion` resolves in the copy's environment."""
    found = subprocess.run(
        [sys.executable, "-c", "import bastion; print(bastion.__file__)"],
        cwd=repo,
        env=_environment(repo),
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(found.stdout.strip()).resolve()


def run_tests(repo: Path, tests: tuple[str, ...], postgres: bool) -> int:
    """pytest's exit status for these test files in the copy, stopping at the first failure."""
    marks = "not browser" if postgres else "not browser and not postgres"
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-m", marks, *tests], cwd=repo, env=_environment(repo), capture_output=True, text=True
    )
    if result.returncode not in (0, 1):
        print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
    return result.returncode


def run_mutant(repo: Path, mutant: Mutant, postgres: bool) -> str:
    """KILLED, SURVIVED or ERROR (pytest ended neither passing nor failing) for one mutant, file put back after."""
    path = repo / mutant.file
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(mutant.old, mutant.new, 1), encoding="utf-8")
    try:
        status = run_tests(repo, mutant.tests, postgres)
    finally:
        path.write_text(original, encoding="utf-8")
    return {0: "SURVIVED", 1: "KILLED"}.get(status, f"ERROR (pytest exit {status})")


def _table(rows: list[tuple[Mutant, str, float]]) -> str:
    lines = ["| mutant | test files | result | seconds |", "|---|---|---|---|"]
    for mutant, result, seconds in rows:
        tests = ", ".join(t.removeprefix("tests/") for t in mutant.tests)
        lines.append(f"| {mutant.name} | {tests} | {result} | {seconds:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only mutants whose name contains one of these")
    parser.add_argument("--postgres", action="store_true", help="run the PostgreSQL variants as well")
    parser.add_argument("--list", action="store_true", help="check the list against the code and print it; no tests")
    args = parser.parse_args()
    chosen = tuple(m for m in MUTANTS if not args.only or any(word in m.name for word in args.only))
    problems = check_mutants(ROOT, MUTANTS)
    if problems:
        print("the mutant list no longer matches the code:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    if args.list or not chosen:
        print("\n".join(f"{m.name}: {m.file} -> {', '.join(m.tests)}" for m in chosen))
        return 0
    with tempfile.TemporaryDirectory(prefix="bastion-mutants-") as temp:
        repo = copy_repository(Path(temp))
        where = imported_from(repo)
        if not where.is_relative_to(repo.resolve()):
            print(f"the copy imports bastion from {where}, not from {repo}: refusing to run", file=sys.stderr)
            return 2
        every_test = tuple(sorted({t for m in chosen for t in m.tests}))
        baseline = run_tests(repo, every_test, args.postgres)
        if baseline != 0:
            print(
                f"the guarding tests fail before any mutation (pytest exit {baseline}): fix them first", file=sys.stderr
            )
            return 2
        rows = []
        for mutant in chosen:
            started = time.monotonic()
            result = run_mutant(repo, mutant, args.postgres)
            rows.append((mutant, result, time.monotonic() - started))
            print(f"{result:>8}  {mutant.name}", file=sys.stderr, flush=True)
    print(_table(rows))
    if any(result.startswith("ERROR") for _, result, _ in rows):
        return 2
    return 1 if any(result == "SURVIVED" for _, result, _ in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
