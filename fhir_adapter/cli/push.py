"""`fhir-adapter push`: arguments, Settings, progress and the final summary. The work is in sync/."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from fhir_adapter.client import FhirClient
from fhir_adapter.settings import AuthSettings, Settings, parse_auth_kind, read_env
from fhir_adapter.sync import Journal, SyncOptions, TrialSync, sync_trials
from fhir_adapter.terms import load_terms

DEFAULT_JOURNAL = Path("fhir-adapter-push.jsonl")
OUTCOMES = ("created", "updated", "unchanged", "resumed", "duplicate", "failed")
SHOWN_WHEN_NONE = frozenset({"created", "updated", "unchanged", "failed"})


def add_push_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    push = commands.add_parser("push", help="push trials to a FHIR server, writing only what changed")
    push.add_argument(
        "inputs", nargs="+", help="CT.gov API v2 JSON or legacy XML files, or directories of them"
    )
    push.add_argument("--server", required=True, metavar="URL", help="the FHIR server's base URL")
    push.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    push.add_argument("--journal", type=Path, default=DEFAULT_JOURNAL, help=f"default: {DEFAULT_JOURNAL}")
    push.add_argument("--restart", action="store_true", help="push every trial, ignoring the journal")
    push.add_argument("--mappings", type=Path, action="append", default=[], help="extra ConceptMaps folder")
    auth = push.add_argument_group("authentication (secrets are read from the environment variables named)")
    auth.add_argument("--auth", default="none", help="none | bearer | basic | client-secret | smart")
    auth.add_argument("--token-env", metavar="VAR", help="bearer: variable holding the access token")
    auth.add_argument("--username", help="basic: the user name")
    auth.add_argument("--password-env", metavar="VAR", help="basic: variable holding the password")
    auth.add_argument("--client-id", help="client-secret, smart: the client id")
    auth.add_argument("--client-secret-env", metavar="VAR", help="client-secret: variable holding the secret")
    auth.add_argument("--token-url", help="token endpoint (smart: instead of .well-known discovery)")
    auth.add_argument("--scope", help='e.g. "system/ResearchStudy.write system/Group.write"')
    auth.add_argument("--private-key", type=Path, metavar="PEM", help="smart: the private key file")
    auth.add_argument("--key-id", help="smart: the key's kid in the JWKS the server knows")
    auth.add_argument("--algorithm", default="RS384", help="smart: RS384 (default) or ES384")
    tls = push.add_argument_group("TLS")
    tls.add_argument("--ca-bundle", type=Path, help="trust this CA bundle (PEM) as well")
    tls.add_argument("--insecure-no-verify-tls", action="store_true", help="turn TLS certificate checks off")
    push.set_defaults(run=run_push, reads_records=True)
    return push


def settings_from(args: argparse.Namespace) -> Settings:
    """Return the run's Settings from the flags (SettingsError when they are incomplete)."""
    auth = AuthSettings(
        kind=parse_auth_kind(args.auth),
        token_env=args.token_env,
        username=args.username,
        password_env=args.password_env,
        client_id=args.client_id,
        client_secret_env=args.client_secret_env,
        token_url=args.token_url,
        scope=args.scope,
        private_key_path=args.private_key,
        key_id=args.key_id,
        algorithm=args.algorithm,
    )
    return Settings(
        base_url=args.server, auth=auth, verify_tls=not args.insecure_no_verify_tls, ca_bundle=args.ca_bundle
    )


def run_push(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    terms = load_terms(args.mappings)
    journal = None if args.dry_run else Journal(args.journal, settings.base_url)
    if journal is not None and not args.restart:
        journal.load()
    progress = Progress(sys.stderr, total=count_record_files(args.inputs), dry_run=args.dry_run)
    results: list[TrialSync] = []
    with FhirClient(settings) as client:
        options = SyncOptions(dry_run=args.dry_run, journal=journal, on_trial=progress.update)
        for result in sync_trials(args.inputs, client, terms, options):
            results.append(result)
            if args.dry_run:
                print_planned(result, sys.stdout)
    progress.finish()
    print_summary(results, sys.stdout, dry_run=args.dry_run)
    return 0 if all(r.ok for r in results) else 1


def count_record_files(inputs: Sequence[str]) -> int:
    """Return how many record files the inputs hold (an export of many studies counts once)."""
    total = 0
    for item in inputs:
        path = Path(item)
        total += sum(1 for p in path.rglob("*") if p.suffix in (".json", ".xml")) if path.is_dir() else 1
    return total


class Progress:
    """A bar redrawn in place on a terminal; one plain line per trial in CI or a log."""

    def __init__(self, out: TextIO, *, total: int, dry_run: bool = False) -> None:
        self.out = out
        self.total = total
        self.verb = "would be " if dry_run else ""
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self.interactive = out.isatty() and not read_env("CI")

    def update(self, result: TrialSync) -> None:
        self.counts[result.outcome] += 1
        done = sum(self.counts.values())
        name = result.nct_id or result.source
        count = f"{done}/{max(done, self.total)}"
        if not self.interactive:
            print(f"[{count}] {name} {self.verb}{result.outcome}", file=self.out, flush=True)
            return
        width = 30
        filled = min(width, width * done // max(1, self.total))
        rate = done / max(1e-6, time.monotonic() - self.started)
        bar = "#" * filled + "." * (width - filled)
        line = f"\r[{bar}] {count} {rate:5.1f}/s  {name} {self.verb}{result.outcome}"
        print(f"{line:<100}", end="", file=self.out, flush=True)

    def finish(self) -> None:
        if self.interactive:
            print(file=self.out)


def print_planned(result: TrialSync, out: TextIO) -> None:
    """Print what a dry run would do to one trial, resource by resource."""
    name = result.nct_id or result.source
    if not result.ok:
        print(f"{name}: FAILED {result.error}", file=out)
        return
    if result.outcome == "duplicate":
        print(f"{result.error}", file=out)
        return
    actions = Counter(change.action for change in result.changes)
    print(
        f"{name}: would create {actions['create']}, update {actions['update']}, "
        f"leave {actions['unchanged']} unchanged",
        file=out,
    )
    for change in result.changes:
        if change.action == "unchanged":
            continue
        sign = "+" if change.action == "create" else "~"
        print(f"  {sign} {change.key.resource_type} {change.key.system}|{change.key.value}", file=out)
        for line in change.differences if change.action == "update" else ():
            print(f"      {line}", file=out)


def print_summary(results: Sequence[TrialSync], out: TextIO, *, dry_run: bool) -> None:
    counts = Counter(r.outcome for r in results)
    parts = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o] or o in SHOWN_WHEN_NONE)
    head = "dry run, nothing written: " if dry_run else ""
    print(f"{head}{len(results)} trials: {parts}", file=out)
    for failed in (r for r in results if not r.ok):
        print(f"  failed: {failed.nct_id or failed.source}: {failed.error}", file=out)
    for duplicate in (r for r in results if r.outcome == "duplicate"):
        print(f"  duplicate: {duplicate.error}", file=out)
