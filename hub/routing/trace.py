"""The explanation of a decision, as JSON-serialisable data: which rule and why, what held the order, every
candidate location and the step that dropped it (with the reason), the ranking with each sort's figure and
the sort that put each candidate above the next, and each plan stage with what it chose and why.

The trace is recorded on the order's timeline with the decision, so "why did this ship from Dallas?"
is answered from data rather than by re-running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.routing.geography import Whereabouts
from hub.routing.ruleset import Selection
from hub.routing.snapshot import Location
from hub.routing.steps import FilterResult, SortKey, Step


class Trace:
    def __init__(self) -> None:
        self.rule: dict[str, Any] | None = None
        self.holds: list[dict[str, str]] = []
        self.destination: str | None = None
        self.candidates: dict[str, dict[str, Any]] = {}
        self.steps: list[dict[str, Any]] = []
        self.ranking: list[dict[str, Any]] = []
        self.plan: list[dict[str, Any]] = []

    def selected(self, selection: Selection) -> None:
        self.rule = selection.as_json()

    def held(self, code: str, reason: str) -> None:
        self.holds.append({"code": code, "reason": reason})

    def considered(self, locations: Sequence[Location], destination: Whereabouts) -> None:
        self.destination = destination.describe()
        for location in locations:
            entry = {"location": location.id, "kind": str(location.kind), "dropped_by": None, "reason": None}
            self.candidates[location.id] = entry | {"rank": None}

    def filtered(self, step: Step, before: int, result: FilterResult) -> None:
        self.dropped(step.label, [(item.location, item.reason) for item in result.dropped])
        entry: dict[str, Any] = {"step": step.label, "before": before, "kept": [loc.id for loc in result.kept]}
        entry["dropped"] = [{"location": item.location.id, "reason": item.reason} for item in result.dropped]
        if result.note:
            entry["note"] = result.note
        self.steps.append(entry)

    def dropped(self, by: str, dropped: Sequence[tuple[Location, str]]) -> None:
        for location, reason in dropped:
            self.candidates[location.id].update(dropped_by=by, reason=reason)

    def excluded(self, dropped: Sequence[tuple[Location, str]], step: dict[str, Any] | None) -> None:
        """Locations left out before the rule's filters: they refused the order's units before."""
        self.dropped("refused", dropped)
        if step is not None:
            self.steps.append(step)

    def policy_dropped(self, reason: str, dropped: Sequence[Location]) -> None:
        self.dropped("policy", [(location, reason) for location in dropped])
        if dropped:
            self.steps.append(
                {
                    "step": "policy",
                    "before": None,
                    "kept": None,
                    "dropped": [{"location": loc.id, "reason": reason} for loc in dropped],
                }
            )

    def ranked(self, group: str, sorts: Sequence[Step], ranked: Sequence[tuple[Location, list[SortKey]]]) -> None:
        for index, (location, keys) in enumerate(ranked):
            entry: dict[str, Any] = {
                "group": group,
                "rank": index + 1,
                "location": location.id,
                "keys": {step.label: key.shown for step, key in zip(sorts, keys, strict=True)},
            }
            if index + 1 < len(ranked):
                entry["ahead_of_next_by"] = _separating_sort(sorts, keys, ranked[index + 1][1])
            self.ranking.append(entry)
            self.candidates[location.id]["rank"] = {"group": group, "rank": index + 1}

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "holds": self.holds,
            "destination": self.destination,
            "candidates": list(self.candidates.values()),
            "steps": self.steps,
            "ranking": self.ranking,
            "plan": self.plan,
        }


def _separating_sort(sorts: Sequence[Step], mine: list[SortKey], theirs: list[SortKey]) -> str:
    """The first sort whose key tells two neighbours in the ranking apart, or the tie-break."""
    for step, a, b in zip(sorts, mine, theirs, strict=True):
        if a.value != b.value:
            return step.label
    return "tie: snapshot order"
