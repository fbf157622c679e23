"""``/healthz`` names a location holding stock that nobody fulfils, as a warning that leaves health ok."""

from __future__ import annotations

from pathlib import Path

from hub.db.models import Location
from hub.db.session import Database
from hub.inventory import adjust, parse_location, save_location
from hub.web.app import create_app


def test_healthz_warns_of_a_location_with_stock_and_no_fulfiller(  # type: ignore[no-untyped-def]
    make_settings, database: Database, database_url: str, tmp_path: Path
) -> None:
    with database.session() as session:
        for location_id in ("dal1", "nyc1"):
            save_location(session, parse_location({"id": location_id, "name": location_id, "kind": "warehouse"}))
            adjust(session, "LAMP", location_id, 7, source="test")
        session.get(Location, "nyc1").fulfilled_by = "self"  # type: ignore[union-attr]
    settings = make_settings(database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}")
    response = create_app(settings).test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok", body
    (warning,) = body["warnings"]
    assert warning["location"] == "dal1" and warning["on_hand"] == 7
    assert "nobody fulfils it" in warning["warning"]
