"""Layer 4: references that do not resolve.

Inside a Bundle (https://hl7.org/fhir/R4/bundle.html#references): a `urn:uuid:`/`urn:oid:` reference must be
some entry's fullUrl, or the transaction fails (error); a relative `Type/id` reference should be an entry's
too, or the server must already hold that resource (warning). Absolute URLs may point outside the Bundle, and
conditional references (`Type?identifier=...`) are resolved by the server in a transaction: neither is
checked. A local `#id` canonical (PlanDefinition.action.definitionCanonical) must name a contained resource;
ref-1 checks the same for a Reference. Outside a Bundle a `urn:uuid:` reference can never resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_adapter.validation.elements import Element
from fhir_adapter.validation.issues import ValidationIssue

LAYER = "references"
FULL_URL_KEY = re.compile(r"([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})$")  # the Type/id a server URL ends with
RELATIVE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(/_history/[A-Za-z0-9\-.]{1,64})?$")


@dataclass(frozen=True)
class BundleTargets:
    """What a reference inside a Bundle can resolve to: the fullUrls, and Type/id of the entries."""

    full_urls: frozenset[str]
    relative: frozenset[str]


def bundle_targets(bundle: Mapping[str, Any]) -> BundleTargets:
    """Return the fullUrls and `Type/id` keys of a Bundle's entries."""
    full_urls, relative = set(), set()
    for entry in bundle.get("entry", []) if isinstance(bundle.get("entry"), list) else []:
        if not isinstance(entry, dict):
            continue
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str):
            full_urls.add(full_url)
            match = None if full_url.startswith("urn:") else FULL_URL_KEY.search(full_url)
            if match:
                relative.add(match.group(1))
        resource = entry.get("resource")
        if isinstance(resource, dict) and resource.get("id") and resource.get("resourceType"):
            relative.add(f"{resource['resourceType']}/{resource['id']}")
    return BundleTargets(frozenset(full_urls), frozenset(relative))


@dataclass(frozen=True, slots=True)
class ReferenceSite:
    """A reference found in a resource: where, and its text; or, for a local canonical, what is wrong with it
    (which does not depend on the Bundle)."""

    resource_type: str
    location: str
    reference: str | None
    issue: ValidationIssue | None = None


def check_references(elements: Iterable[Element], targets: BundleTargets | None) -> list[ValidationIssue]:
    """Return the references in `elements` that do not resolve (`targets` None: not inside a Bundle)."""
    return resolve_references(reference_sites(elements), targets)


def reference_sites(elements: Iterable[Element]) -> list[ReferenceSite]:
    """Return the references in `elements` to resolve, and the local canonicals that name no contained
    resource, in document order: what check_references needs of a resource, kept apart from the Bundle."""
    sites: list[ReferenceSite] = []
    for element in elements:
        if element.type_name == "Reference" and isinstance(element.value, dict):
            reference = element.value.get("reference")
            if isinstance(reference, str):
                resource_type = str(element.root.get("resourceType", "?"))
                sites.append(ReferenceSite(resource_type, f"{element.location}.reference", reference))
        elif (
            element.type_name == "canonical"
            and isinstance(element.value, str)
            and element.value.startswith("#")
        ):
            ids = contained_ids(element.root)
            issue = local_canonical_issue(element.root, element.location, element.value, ids)
            if issue is not None:
                sites.append(ReferenceSite(issue.resource, element.location, None, issue))
    return sites


def contained_ids(root: Mapping[str, Any]) -> set[Any]:
    """Return the ids of `root`'s contained resources (what a local '#id' may name)."""
    contained = root.get("contained", [])
    return {c.get("id") for c in contained if isinstance(c, dict)} if isinstance(contained, list) else set()


def local_canonical_issue(
    root: Mapping[str, Any], location: str, canonical: str, ids: set[Any]
) -> ValidationIssue | None:
    """Return the issue of a local canonical ('#id', at `location` in `root`) that names none of `ids`."""
    if canonical[1:] in ids:
        return None
    message = f"{canonical!r} names no contained resource"
    return ValidationIssue(str(root.get("resourceType", "?")), location, "error", message, LAYER)


def resolve_references(
    sites: Iterable[ReferenceSite], targets: BundleTargets | None
) -> list[ValidationIssue]:
    """Return the issues of `sites` (from reference_sites) inside a Bundle with `targets` (None: outside)."""
    issues: list[ValidationIssue] = []
    for site in sites:
        issue = site.issue if site.reference is None else reference_issue(site, site.reference, targets)
        if issue is not None:
            issues.append(issue)
    return issues


def reference_issue(
    site: ReferenceSite, reference: str, targets: BundleTargets | None
) -> ValidationIssue | None:
    """Return the issue of one reference (`site`, its text `reference`) inside a Bundle with `targets`
    (None: outside), or None when it resolves or need not."""
    if reference.startswith(("urn:uuid:", "urn:oid:")):
        if targets is None:
            return _site_issue(site, "error", f"{reference!r} can only resolve inside a Bundle")
        if reference not in targets.full_urls:
            return _site_issue(site, "error", f"{reference!r} is no entry's fullUrl in this Bundle")
        return None
    match = RELATIVE.match(reference)
    if targets is not None and match and f"{match.group(1)}/{match.group(2)}" not in targets.relative:
        text = f"{reference!r} is not in this Bundle; the server must already have it"
        return _site_issue(site, "warning", text)
    return None


def _site_issue(site: ReferenceSite, severity: Any, message: str) -> ValidationIssue:
    return ValidationIssue(site.resource_type, site.location, severity, message, LAYER)
