"""Access cases of the resident portal's service desk (报事报修).

Lists and the report form are "resident" cases: another resident (李四 of 9-909 in p3) sees
only their own units there, never 1-101 or 张三. The p1 ticket (reported by 张三, the world's
resident) is the object of the ticket page and its actions: the resident reaches it, staff
and outsiders get the portal's 403 (not a resident) or 404. That a resident of another unit
gets 404 is proven in wuye/portal/tests/test_tickets.py.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.isolation_support import T1, Case, url


def _prices(w: Any) -> str:
    """The price-list page, with a published p1 item ("阳光新邸" must not leak)."""
    from wuye.servicedesk.models import PriceItem

    PriceItem.objects.get_or_create(
        project=w.p1, code="tap", defaults={"name": "更换水龙头", "labour_price": "30.00"}
    )
    return reverse("portal:prices")


CASES: dict[str, Case] = {
    "portal:ticket-list": Case("resident", url("portal:ticket-list")),
    "portal:prices": Case("resident", _prices),
    "portal:ticket-report": Case("resident", url("portal:ticket-report")),
    "portal:ticket-detail": Case("object", url("portal:ticket-detail", T1), insider="resident"),
    "portal:ticket-cancel": Case(
        "object", url("portal:ticket-cancel", T1), method="post", insider="resident"
    ),
    "portal:ticket-reopen": Case(
        "object", url("portal:ticket-reopen", T1), method="post", insider="resident"
    ),
    "portal:ticket-rate": Case(
        "object", url("portal:ticket-rate", T1), method="post", insider="resident"
    ),
    "portal:ticket-confirm": Case(
        "object", url("portal:ticket-confirm", T1), method="post", insider="resident"
    ),
    "portal:ticket-fee": Case(
        "object", url("portal:ticket-fee", T1), method="post", insider="resident"
    ),
    "portal:ticket-photos": Case(
        "object", url("portal:ticket-photos", T1), method="post", insider="resident"
    ),
}
