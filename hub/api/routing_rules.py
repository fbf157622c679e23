"""``/api/v1/routing/rules``: the routing rules in effect, and new versions of them.

A write is a whole rule document, the format of a rule file (``schemas/routing.schema.json``) as JSON, checked
exactly as a file is; a mistake is a 422 naming the path in the document (``document.rules.1.pipeline.0``).
Each write is stored as the next version (``hub.oms.rule_versions``) with who wrote it; workers route with
the newest from their next batch on. Until a version is stored the configured file, or the shipped default,
is in effect, and reading the rules says which. Send the ETag read as ``If-Match`` to be refused (412) if
someone else stored a version meanwhile.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.api.conditional import check_if_match, etag_of
from hub.api.pagination import fetch_page
from hub.api.problems import Problem, bad_field, stored
from hub.api.registry import BodyModel, Call, QueryModel, Reply, operation
from hub.datafiles import parse_yaml, read_rule_file
from hub.db.models import RoutingRuleVersion
from hub.oms.rule_versions import RuleDocumentError, newest, parse_document, store_version
from hub.routing import RoutingInputError, RuleSet, load_rules
from hub.routing.errors import RuleFileError
from hub.web.extension import hub_extension

DOCUMENT = Field(description="A rule document: the content of a rule file (schemas/routing.schema.json) as JSON.")


class RuleSummary(BaseModel):
    name: str
    description: str


class RulesInEffect(BaseModel):
    source: Literal["database", "file", "shipped"] = Field(
        description="database: a version stored through the API; file: HUB_WORKER__ROUTING_RULES; shipped: default."
    )
    version: int | None = Field(description="The stored version (null for rules from a file).")
    files: list[str] = Field(description="The rule files in effect, when they are.")
    rules: list[RuleSummary] = Field(description="The rules in the order they are tried.")
    document: dict[str, Any] | None = Field(description="The rule document (null for a directory of files).")
    note: str | None = None
    created_by: str | None = None
    created_at: str | None = None


class NewRules(BodyModel):
    document: dict[str, Any] = DOCUMENT
    note: str | None = Field(default=None, max_length=500, pattern=r"^[^\x00]*$", description="Why, for the record.")


class VersionFilters(QueryModel):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=200)


class VersionSummary(BaseModel):
    version: int
    note: str | None
    created_by: str
    created_at: str
    rules: list[str] = Field(description="Rule names, in the order they are tried.")


class Versions(BaseModel):
    items: list[VersionSummary]
    next_cursor: str | None = None


def _summaries(rules: RuleSet) -> list[RuleSummary]:
    return [RuleSummary(name=rule.name, description=rule.description) for rule in rules.rules]


def _stored_view(row: RoutingRuleVersion) -> RulesInEffect:
    rules = parse_document(row.document, f"routing rules version {row.version}")
    return RulesInEffect(
        source="database", version=row.version, files=[], rules=_summaries(rules), document=row.document,
        note=row.note, created_by=row.created_by, created_at=row.created_at.isoformat(),
    )  # fmt: skip


def _configured_view() -> RulesInEffect:
    path: Path | None = hub_extension().runtime.settings.worker.routing_rules
    try:
        if path is None:
            text = files("hub.routing").joinpath("rules", "default.yaml").read_text(encoding="utf-8")
            document = parse_yaml(text, "default.yaml (shipped)", RuleFileError)
            return RulesInEffect(source="shipped", version=None, files=[], document=document,
                                 rules=_summaries(parse_document(document, "default.yaml (shipped)")))  # fmt: skip
        rules = load_rules(path)
        document = None if path.is_dir() else parse_yaml(read_rule_file(path, RuleFileError), str(path), RuleFileError)
    except RoutingInputError as error:
        raise Problem(409, f"the configured routing rules cannot be read: {error}") from None
    document = json.loads(json.dumps(document, default=str)) if document is not None else None
    return RulesInEffect(source="file", version=None, files=list(rules.sources), rules=_summaries(rules),
                         document=document)  # fmt: skip


def _in_effect(call: Call) -> RulesInEffect:
    row = newest(call.session)
    return _stored_view(row) if row is not None else _configured_view()


def _etag(view: RulesInEffect) -> str:
    return etag_of(view.model_dump(mode="json"))


@operation("GET", "/routing/rules", scope="read", tag="routing", response=RulesInEffect, etag=True, problems=(409,),
           summary="The routing rules in effect: the newest stored version, else the configured file")  # fmt: skip
def read_rules(call: Call) -> Reply:
    view = _in_effect(call)
    return Reply(view, _etag(view))


@operation("PUT", "/routing/rules", scope="admin", tag="routing", body=NewRules, response=RulesInEffect, etag=True,
           if_match=True, problems=(409,), summary="Store a new version of the routing rules")  # fmt: skip
def write_rules(call: Call) -> Reply:
    body: NewRules = call.body
    if call.if_match is not None:  # a version stored between this check and ours loses on its number
        check_if_match(call.if_match, _etag(_in_effect(call)))
    try:
        row = store_version(call.session, body.document, note=body.note, created_by=call.actor)
    except RuleDocumentError as refused:
        raise bad_field(422, "body", ".".join(filter(None, ("document", refused.path))), str(refused)) from None
    except IntegrityError:
        raise Problem(409, "another version was stored at the same moment: read the rules again") from None
    view = _stored_view(row)
    return Reply(view, _etag(view))


@operation("GET", "/routing/rules/versions", scope="read", tag="routing", query=VersionFilters, response=Versions,
           summary="Stored versions of the routing rules, newest first, with who stored each")  # fmt: skip
def list_versions(call: Call) -> Versions:
    q: VersionFilters = call.query
    rows, cursor = fetch_page(call.session, select(RoutingRuleVersion), [RoutingRuleVersion.version], [int],
                              limit=q.limit, cursor=q.cursor, key=lambda row: [row.version])  # fmt: skip
    items = [
        VersionSummary(version=row.version, note=row.note, created_by=row.created_by,
                       created_at=row.created_at.isoformat(),
                       rules=[str(rule.get("name")) for rule in row.document.get("rules", [])])
        for row in rows
    ]  # fmt: skip
    return Versions(items=items, next_cursor=cursor)


@operation("GET", "/routing/rules/versions/<int:version>", scope="read", tag="routing", response=RulesInEffect,
           etag=True, summary="One stored version of the routing rules, with its document")  # fmt: skip
def read_version(call: Call, version: int) -> Reply:
    missing = f"no routing rules version {version} (GET /api/v1/routing/rules/versions lists them)"
    view = _stored_view(stored(call.session, RoutingRuleVersion, version, missing))
    return Reply(view, _etag(view))
