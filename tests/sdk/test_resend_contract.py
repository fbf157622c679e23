"""The contract suite's resend check holds for a channel connector too: one that posts its shipment note again
on a resend fails it, and so does a contract class that says its partner cannot tell a resend apart when the
partner does (run by pytest itself, against the fake WooCommerce)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

BROKEN_CHANNELS = """
from connectors.woocommerce import WooCommerce
from hub.sdk import Submitted
from tests.connectors.test_woocommerce import TestWooCommerceContract as Base
from tests.connectors.test_woocommerce import woo  # noqa: F401


class NotesAgain(WooCommerce):
    def confirm_shipment(self, update, key):
        body = {"note": "Your order has shipped.", "customer_note": True}
        created = self.client.call("POST", f"/orders/{update.order.channel_order_id}/notes", body=body)
        return Submitted(external_id=str(created["id"]))


class TestNotesAgain(Base):
    connector_class = NotesAgain


class TestClaimsDuplicates(Base):
    resend_duplicates = "WooCommerce keeps no key of ours on a note, so it cannot tell a resend apart"


class TestFine(Base):
    pass
"""


def test_resends_are_checked_for_a_channel_connector(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken_channels=BROKEN_CHANNELS)
    result = pytester.runpytest_inprocess("-k", "idempotent", "-p", "no:cacheprovider", "-rA", "-q")
    found = {}
    for line in result.outlines:
        status, _, name = line.partition(" ")
        if status in ("PASSED", "FAILED", "SKIPPED") and "::" in name:
            found[name.split(" ")[0].split("::", 1)[1]] = status.lower()
    assert found == {
        "TestNotesAgain::test_resend_is_idempotent_at_the_partner": "failed",
        "TestClaimsDuplicates::test_resend_is_idempotent_at_the_partner": "failed",
        "TestFine::test_resend_is_idempotent_at_the_partner": "passed",
    }
