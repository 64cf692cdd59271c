"""Access cases of the service-desk screens of the console (``desk:*`` except attachments and
reports): the desk, the lists, the ticket page and its actions, the technician's screens.

The lists are loaded with a p1 ticket in the state they show (registered, in the pool,
waiting for its return visit, assigned to the insider), so "outsiders never see p1" is
checked against real rows, not an empty page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from tests.isolation_support import T1, Case, p1_ticket, url


def _cached(name: str, make: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get(w: Any) -> Any:
        key = f"_desk_console_{name}"
        if not hasattr(w, key):
            setattr(w, key, make(w))
        return getattr(w, key)

    return get


def _pooled(w: Any) -> Any:
    from wuye.servicedesk import services as s

    return s.ticket_dispatch(actor=w.desk, ticket=p1_ticket(w), assignee=None)


def _completed(w: Any) -> Any:
    from wuye.servicedesk import services as s

    ticket = s.ticket_dispatch(actor=w.desk, ticket=p1_ticket(w), assignee=w.tech)
    ticket = s.ticket_accept(actor=w.tech, ticket=ticket)
    return s.ticket_complete(actor=w.tech, ticket=ticket)


def _the_managers(w: Any) -> Any:
    from wuye.servicedesk import services as s

    return s.ticket_dispatch(actor=w.desk, ticket=p1_ticket(w), assignee=w.manager)


_in_pool = _cached("pool", _pooled)
_done = _cached("done", _completed)
_managers = _cached("managers", _the_managers)


def _with(make: Callable[[Any], Any], name: str, query: str = "") -> Callable[[Any], str]:
    """The list's URL, once the p1 row it should show exists."""

    def path(w: Any) -> str:
        make(w)
        return reverse(name) + query

    return path


CASES: dict[str, Case] = {
    # the desk
    "desk:home": Case("list", _with(p1_ticket, "desk:home")),
    "desk:lookup": Case(
        "object",
        lambda w: reverse("desk:lookup") + f"?project={w.p1.pk}&phone=1111",
    ),
    "desk:ticket-list": Case("list", _with(p1_ticket, "desk:ticket-list")),
    "desk:pool": Case("list", _with(_in_pool, "desk:pool")),
    "desk:visits": Case("list", _with(_done, "desk:visits")),
    "desk:workload": Case("list", _with(p1_ticket, "desk:workload")),
    "desk:ticket-detail": Case("object", url("desk:ticket-detail", T1)),
    "desk:ticket-reveal": Case("object", url("desk:ticket-reveal", T1), method="post"),
    # a photo form posted without a photo: answered (with the form's error), nothing changes
    "desk:ticket-action": Case(
        "object", url("desk:ticket-action", T1, lambda w: "photo"), method="post"
    ),
    # the technician's screens
    "desk:my-orders": Case("list", _with(_managers, "desk:my-orders")),
    "desk:my-pool": Case("list", _with(_in_pool, "desk:my-pool")),
    "desk:my-ticket": Case("object", url("desk:my-ticket", T1)),
}
