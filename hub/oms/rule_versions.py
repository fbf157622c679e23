"""Routing rule sets stored in the database (``routing_rule_versions``): writing a version, and the one in effect.

A version is a whole rule document, checked exactly as a rule file is (``hub.routing.parse_rules``: the
published schema, registered step names, unique rule names) before it is stored, so what the workers load
never fails on a mistake the writer could have been told about. The newest version is in effect; with none
stored, the configured file (``HUB_WORKER__ROUTING_RULES``) or the shipped default is.

Workers ask ``stored_rules`` once per routing batch: one query for the newest version's number and time,
and the document is parsed only when that changed, once per process. A new version is therefore used by
the next batch every worker routes, never by half of one.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hub.db.models import RoutingRuleVersion
from hub.db.session import Database
from hub.routing import RuleSet, parse_rules
from hub.routing.errors import RuleFileError
from hub.routing.rulefile import routing_schema


class RuleDocumentError(RuleFileError):
    """A rule document does not validate; ``path`` is where in it (``rules.1.pipeline.0``), empty for the
    document as a whole (two rules of one name)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(routing_schema())


def parse_document(document: Any, source: str) -> RuleSet:
    """The rule set of a document (a rule file's content as JSON data); ``RuleDocumentError`` otherwise."""
    error = best_match(_validator().iter_errors(document))
    path = ".".join(str(part) for part in error.absolute_path) if error is not None else ""
    try:
        return parse_rules(json.dumps(document), source)
    except RuleFileError as refused:
        raise RuleDocumentError(str(refused), path or ("rules" if isinstance(document, dict) else "")) from None


def _newest(*columns: Any) -> Select[Any]:
    """``columns`` of the newest version: the whole row, or only what says which version it is."""
    return select(*columns).order_by(RoutingRuleVersion.version.desc()).limit(1)


def newest(session: Session) -> RoutingRuleVersion | None:
    return session.scalars(_newest(RoutingRuleVersion)).one_or_none()


def store_version(
    session: Session, document: dict[str, Any], *, note: str | None, created_by: str
) -> RoutingRuleVersion:
    """Check ``document`` and store it as the newest version (the caller commits). Two writers racing for
    the same number: the second one's flush fails on the primary key (``IntegrityError``)."""
    current = newest(session)
    number = current.version + 1 if current is not None else 1
    parse_document(document, f"routing rules version {number}")
    row = RoutingRuleVersion(version=number, document=document, note=note, created_by=created_by)
    session.add(row)
    session.flush()
    return row


_lock = threading.Lock()
_held: dict[str, tuple[int, datetime, RuleSet]] = {}


def stored_rules(database: Database) -> RuleSet | None:
    """The rule set of the newest stored version, None when none is stored (see the module docstring)."""
    with database.session(read_only=True) as session:  # a read: on SQLite it waits for no writer
        mark = session.execute(_newest(RoutingRuleVersion.version, RoutingRuleVersion.created_at)).one_or_none()
        if mark is None:
            return None
        with _lock:
            held = _held.get(database.url)
        if held is not None and (held[0], held[1]) == (mark.version, mark.created_at):
            return held[2]
        row = session.get(RoutingRuleVersion, mark.version)
        assert row is not None  # versions are never removed
        rules = parse_document(row.document, f"routing rules version {row.version}")
    with _lock:
        _held[database.url] = (mark.version, mark.created_at, rules)
    return rules
