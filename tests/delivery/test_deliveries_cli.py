"""``orderhub deliveries``: list, show with attempts, replay a dead delivery (one, or every dead one with a
progress bar and a summary line), cancel; bad requests get one line and a non-zero exit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hub.cli import main
from hub.db.models import FulfillmentOrderRecord
from hub.db.session import Database
from hub.delivery.retry import RetryPolicy
from tests.delivery.conftest import CONFIG, add_account, add_location, delivery, route, run, store_order
from tests.delivery.fake3pl import Fake3plServer

pytestmark = pytest.mark.usefixtures("fake3pl_installed")
ONE_TRY = replace(CONFIG, retry=RetryPolicy(max_attempts=1), breaker=replace(CONFIG.breaker, threshold=100))


@pytest.fixture
def orderhub(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))

    def run_command(*args: str, fails: bool = False) -> tuple[str, str]:
        if fails:
            with pytest.raises(SystemExit) as exited:
                main(list(args))
            assert exited.value.code not in (0, None)
        else:
            main(list(args))
        captured = capsys.readouterr()
        return captured.out, captured.err

    return run_command


def _dead(database: Database, fake: Fake3plServer, *numbers: str) -> list[int]:
    """Deliveries that died at the fake (one try each), for orders ``numbers``."""
    add_location(database, "wh-east", add_account(database, fake.origin), LAMP=50)
    ids = [route(database, store_order(database, number)).deliveries[0] for number in numbers]
    fake.fail_next(503, times=len(numbers))
    for _ in numbers:  # one dies per run: the rest of a chunk waits after its destination failed
        run(database, ONE_TRY)
    assert {delivery(database, delivery_id).status for delivery_id in ids} == {"dead"}
    return ids


def test_a_dead_delivery_replayed_is_sent_and_its_attempts_shown(
    database: Database, fake: Fake3plServer, orderhub
) -> None:  # type: ignore[no-untyped-def]
    (dead_id,) = _dead(database, fake, "1001")
    out, _err = orderhub("deliveries", "list", "--status", "dead")
    assert f"{dead_id}" in out and "fake3pl:main" in out and "HTTP 503" in out
    out, err = orderhub("deliveries", "replay", str(dead_id))
    assert out.strip() == "replayed 1 deliveries: 1 delivered"
    assert "replaying" in err  # the progress bar
    row = delivery(database, dead_id)
    assert (row.status, row.attempts) == ("delivered", 1)  # a fresh budget
    assert len(fake.received) == 1
    with database.session() as session:
        fo = session.get(FulfillmentOrderRecord, row.subject_id)
        assert fo is not None and fo.state == "accepted"
    out, _err = orderhub("deliveries", "show", str(dead_id))
    assert "status: delivered" in out and "attempts (2):" in out
    assert "#1 " in out and "transient HTTP 503" in out and "#2 " in out and "delivered" in out
    out, _err = orderhub("deliveries", "list", "--order", row.order_id or "", "--json")
    assert f'"id": {dead_id}' in out and '"status": "delivered"' in out


def test_every_dead_delivery_of_a_connector_replayed_at_once(database: Database, fake: Fake3plServer, orderhub) -> None:  # type: ignore[no-untyped-def]
    ids = _dead(database, fake, "1", "2", "3")
    out, _err = orderhub("deliveries", "replay", "--dead", "--connector", "fake3pl:main", "--since", "1h")
    assert out.strip() == "replayed 3 deliveries: 3 delivered"
    assert {delivery(database, delivery_id).status for delivery_id in ids} == {"delivered"}
    out, _err = orderhub("deliveries", "replay", "--dead")
    assert out.strip() == "no dead deliveries match: nothing to replay"


def test_a_delivery_replayed_into_a_still_failing_partner_says_so(
    database: Database, fake: Fake3plServer, orderhub
) -> None:  # type: ignore[no-untyped-def]
    (dead_id,) = _dead(database, fake, "1001")
    fake.fail_next(503)
    out, _err = orderhub("deliveries", "replay", str(dead_id), fails=True)
    assert out.strip() == "replayed 1 deliveries: 0 delivered, 1 pending (to retry)"


def test_cancel_and_bad_requests(database: Database, fake: Fake3plServer, orderhub) -> None:  # type: ignore[no-untyped-def]
    (dead_id,) = _dead(database, fake, "1001")
    out, _err = orderhub("deliveries", "cancel", str(dead_id))
    assert out.strip() == f"delivery {dead_id} cancelled"
    assert delivery(database, dead_id).status == "cancelled"
    for args, message in (
        (("deliveries", "replay"), "give one DELIVERY_ID, or --dead"),
        (("deliveries", "replay", "999999"), "no delivery 999999"),
        (("deliveries", "show", "999999"), "no delivery 999999"),
        (("deliveries", "cancel", str(dead_id)), "is cancelled: only a pending or dead one can be cancelled"),
        (("deliveries", "replay", "--dead", "--since", "yesterday"), "--since 'yesterday' is not a date-time"),
    ):
        _out, err = orderhub(*args, fails=True)
        assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err, err
    out, _err = orderhub("deliveries", "replay", str(dead_id))  # a cancelled one may be replayed
    assert out.strip() == "replayed 1 deliveries: 1 delivered"
    _out, err = orderhub("deliveries", "replay", str(dead_id), fails=True)
    assert "is delivered: only a dead or cancelled delivery can be replayed" in err
