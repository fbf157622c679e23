"""ETags on single resources, and ``If-Match`` on the writes that change them.

An ETag is a digest of the resource exactly as the API shows it, so anything a reader could notice changes
it. A write sent with ``If-Match`` is refused with 412 when the resource no longer has that ETag: two people
acting on one order from what each read cannot overwrite each other unknowingly. ``If-Match`` is optional;
a write without it acts on the resource as it is.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hub.api.problems import FieldError, Problem


def etag_of(view: Any) -> str:
    """A strong ETag (quoted) for a resource's JSON view."""
    text = json.dumps(view, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def check_if_match(if_match: str | None, current: str) -> None:
    """412 when ``If-Match`` names neither ``current`` nor ``*``."""
    if if_match is None:
        return
    wanted = [value.strip().removeprefix("W/") for value in if_match.split(",")]
    if "*" in wanted or current in wanted:
        return
    detail = "the resource changed since it was read (its ETag is now different): read it again, then retry"
    raise Problem(
        412,
        detail,
        errors=[FieldError(name="If-Match", location="header", detail="does not match the current ETag")],
        headers={"ETag": current},
    )
