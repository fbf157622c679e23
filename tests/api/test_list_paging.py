"""Partners, connector accounts and subscribers are listed a page at a time, as every other list is: a small
``limit`` walks every item exactly once, in order, and a cursor the list did not give is a 400 naming it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.api.conftest import Api, problem
from tests.api.test_partners import supplier

SECRETS = {"api_key": "env:SS_KEY", "api_secret": "file:/run/secrets/ss"}


def walk(api: Api, token: str, path: str, key: Any, **filters: Any) -> tuple[list[Any], int]:
    """Every item the list gives, page by page with ``limit=2``, and how many pages it took."""
    seen, cursor, pages = [], None, 0
    while True:
        query = filters | {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = api.get(f"{path}?{urlencode(query)}", token).get_json()
        assert len(body["items"]) <= 2
        seen += [key(item) for item in body["items"]]
        pages, cursor = pages + 1, body["next_cursor"]
        if cursor is None:
            return seen, pages


def add_partner(api: Api, token: str, partner: str, kind: str) -> None:
    body = supplier(isa=f"P{partner.upper()}")
    if kind != "supplier":
        del body["profile"]["supplier"]
    made = api.call("PUT", f"/partners/{partner}", token, json=body | {"kind": kind})
    assert made.status_code == 200, made.get_data(as_text=True)


def add_account(api: Api, token: str, account: str) -> None:
    made = api.call("PUT", f"/connector-accounts/shipstation/{account}", token, json={"secrets": SECRETS})
    assert made.status_code == 200, made.get_data(as_text=True)


def add_subscriber(api: Api, token: str, name: str) -> None:
    body = {"name": name, "url": "http://127.0.0.1:9/hooks", "allow_private_network": True}
    assert api.post("/subscribers", token, body).status_code == 201


def test_partners_page_through_every_one_by_id_and_by_kind(api: Api) -> None:
    reader, admin = api.token("read"), api.token("admin")
    for name, kind in (("e", "supplier"), ("a", "supplier"), ("d", "trading_partner"), ("b", "supplier"),
                       ("c", "trading_partner")):  # fmt: skip
        add_partner(api, admin, name, kind)
    assert walk(api, reader, "/partners", lambda p: p["id"]) == (["a", "b", "c", "d", "e"], 3)
    assert walk(api, reader, "/partners", lambda p: p["id"], kind="supplier") == (["a", "b", "e"], 2)
    assert walk(api, reader, "/partners", lambda p: p["id"], kind="3pl") == ([], 1)


def test_connector_accounts_page_across_connectors(api: Api) -> None:
    reader, admin = api.token("read"), api.token("admin")
    for name in ("zeta", "alpha"):
        add_subscriber(api, admin, name)  # events:NAME accounts, listed before shipstation's
    for account in ("main", "eu", "backup"):
        add_account(api, admin, account)
    listed = walk(api, reader, "/connector-accounts", lambda a: a["destination"])
    assert listed == (["events:alpha", "events:zeta", "shipstation:backup", "shipstation:eu", "shipstation:main"], 3)


def test_subscribers_page_through_every_one_by_name(api: Api) -> None:
    reader, admin = api.token("read"), api.token("admin")
    for name in ("erp", "crm", "wms", "bi", "ledger"):
        add_subscriber(api, admin, name)
    add_account(api, admin, "main")  # not a subscriber
    assert walk(api, reader, "/subscribers", lambda s: s["name"]) == (["bi", "crm", "erp", "ledger", "wms"], 3)


@pytest.mark.parametrize("path", ["/partners", "/connector-accounts", "/subscribers"])
def test_a_cursor_the_list_did_not_give_is_a_400_naming_it(api: Api, path: str) -> None:
    reader, admin = api.token("read"), api.token("admin")
    for name in ("a", "b"):
        add_partner(api, admin, name, "supplier")
        add_subscriber(api, admin, name)
    other = "/connector-accounts" if path != "/connector-accounts" else "/partners"  # its key has another shape
    foreign = api.get(f"{other}?limit=1", reader).get_json()["next_cursor"]
    for cursor in ("not-a-cursor", foreign, "W10"):  # garbage, another list's, an empty key
        assert problem(api.get(f"{path}?{urlencode({'cursor': cursor})}", reader), 400)["errors"][0]["name"] == "cursor"
    assert problem(api.get(f"{path}?limit=0", reader), 400)["errors"][0]["name"] == "limit"
