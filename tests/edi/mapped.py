"""X12 bytes as the document tests read them: the accepted sets, the data their mappings read, their documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.canonical import CanonicalModel
from hub.edi.documents import document_input, to_documents
from hub.edi.model import Group, Interchange, Transaction
from hub.edi.reader import read_interchanges


def accepted_sets(data: bytes) -> Iterator[tuple[Transaction, Group, Interchange]]:
    """Every set of ``data`` with its group and interchange; a set the validator refused fails the test."""
    for interchange in read_interchanges(data):
        for group in interchange.groups:
            for transaction in group.transactions:
                assert transaction.accepted, transaction.findings
                yield transaction, group, interchange


def mapping_inputs(data: bytes) -> list[dict[str, Any]]:
    """What each set's mapping is given before any split: its tree plus the envelope object."""
    return [document_input(*found) for found in accepted_sets(data)]


def mapped_documents(data: bytes) -> list[CanonicalModel]:
    """The canonical documents of every set, as ``to_documents`` gives them."""
    return [document for found in accepted_sets(data) for document in to_documents(*found)]
