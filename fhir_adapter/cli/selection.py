"""The options that choose studies on ClinicalTrials.gov and reach its API, shared by `fetch` and `sync`."""

from __future__ import annotations

import argparse
from datetime import date

from fhir_adapter.client import CTGOV_API, CtgovClient, StudyQuery
from fhir_adapter.client.ctgov import DEFAULT_PAGE_SIZE, DEFAULT_REQUESTS_PER_MINUTE
from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import Settings


def add_selection_arguments(parser: argparse.ArgumentParser, *, since: bool = True) -> None:
    """Add the NCT ids, the query and filter options, and the API options to `parser`."""
    parser.add_argument("nct_ids", nargs="*", metavar="NCT", help="NCT ids (NCT followed by 8 digits)")
    chosen = parser.add_argument_group(
        "which studies (all given must hold; query syntax as on ClinicalTrials.gov)"
    )
    chosen.add_argument("--term", help="other terms, anywhere in the record (query.term)")
    chosen.add_argument("--condition", help="condition or disease (query.cond)")
    chosen.add_argument("--sponsor", help="sponsor or collaborator (query.spons)")
    chosen.add_argument("--location", help="facility, city, state or country of a site (query.locn)")
    chosen.add_argument(
        "--status",
        action="append",
        default=[],
        help="overall status, e.g. RECRUITING (repeat, or comma-separated)",
    )
    if since:
        chosen.add_argument("--since", metavar="YYYY-MM-DD", help="only studies updated on or after this day")
    chosen.add_argument(
        "--all-studies",
        action="store_true",
        help="allow a selection of the whole registry (~560,000 studies)",
    )
    api = parser.add_argument_group("ClinicalTrials.gov API")
    api.add_argument("--ctgov-url", default=CTGOV_API, metavar="URL", help=f"API base (default {CTGOV_API})")
    api.add_argument(
        "--page-size",
        type=int,
        default=DEFAULT_PAGE_SIZE,
        help=f"studies per request, 1-1000 (default {DEFAULT_PAGE_SIZE})",
    )
    api.add_argument(
        "--requests-per-minute",
        type=float,
        default=DEFAULT_REQUESTS_PER_MINUTE,
        help=f"pace of requests to the API (default {DEFAULT_REQUESTS_PER_MINUTE:g}, about its limit)",
    )


def query_from(args: argparse.Namespace) -> StudyQuery:
    """Return the StudyQuery the options describe; SettingsError when they are wrong or select everything."""
    since = getattr(args, "since", None)
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        raise SettingsError(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
    query = StudyQuery(
        nct_ids=tuple(args.nct_ids),
        term=args.term,
        condition=args.condition,
        sponsor=args.sponsor,
        location=args.location,
        statuses=tuple(args.status),
        since=day,
    )
    if query.is_everything and not args.all_studies:
        raise SettingsError(
            "no selection: give NCT ids, --term, --condition, --sponsor, --location or --status "
            "(or --all-studies for the whole registry)"
        )
    return query


def ctgov_client(args: argparse.Namespace) -> CtgovClient:
    """Return the API client the options describe (its TLS checks always on; proxies from the environment)."""
    if not 1 <= args.page_size <= DEFAULT_PAGE_SIZE:
        raise SettingsError(f"--page-size must be 1 to {DEFAULT_PAGE_SIZE}, not {args.page_size}")
    if args.requests_per_minute <= 0:
        raise SettingsError(f"--requests-per-minute must be positive, not {args.requests_per_minute:g}")
    try:
        settings = Settings(base_url=args.ctgov_url)
    except SettingsError as exc:
        raise SettingsError(f"--ctgov-url: {exc}") from None
    return CtgovClient(settings, requests_per_minute=args.requests_per_minute, page_size=args.page_size)
