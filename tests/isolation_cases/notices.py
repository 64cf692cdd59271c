"""Access cases of the notice board (``wuye/notices``): console screens, portal pages, API.

The p1 notice (``p1_notice``) is titled "阳光新邸 3幢停水通知", so a list that leaks it
shows a P1 marker. Staff of another project (manager2), another company (admin_b) and an
outsider get 404 for it on every console and API route; writes send valid bodies, so what
answers them is the scope, not input validation.

The portal pages are ``object`` cases with the resident as insider: staff and outsiders are
not residents there (403) and nobody else reaches p1's notice or 三公开 page. That a resident
of another project gets 404 for them, and sees none of p1's notices on their own board, is
proven in wuye/notices/tests/test_portal.py and test_api.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from tests.isolation_support import P1, Case, url


def p1_notice(w: Any) -> Any:
    """A published, open-ended p1 notice, made once per world."""
    cached = getattr(w, "_p1_notice", None)
    if cached is not None:
        return cached
    from wuye.notices import services

    notice = services.notice_create(
        actor=w.desk,
        project=w.p1,
        title="阳光新邸 3幢停水通知",
        body="因设备检修，3幢停水。",
        category="works",
    )
    notice = services.notice_publish(actor=w.desk, notice=notice)
    w._p1_notice = notice
    return notice


N1 = lambda w: p1_notice(w).pk  # noqa: E731


def _with_notice(name: str) -> Callable[[Any], str]:
    def path(w: Any) -> str:
        p1_notice(w)
        return reverse(name)

    return path


def _api(suffix: str = "") -> Callable[[Any], str]:
    return lambda w: f"/api/v1/notices/{p1_notice(w).pk}{suffix}"


_NEW = {"title": "某公告", "category": "general", "body": "正文"}

CASES: dict[str, Case] = {
    # console
    "notices:list": Case("list", _with_notice("notices:list")),
    "notices:create": Case(
        "create", url("notices:create"), method="post", data=lambda w: {"project": w.p1.pk, **_NEW}
    ),
    "notices:detail": Case("object", url("notices:detail", N1)),
    "notices:edit": Case("object", url("notices:edit", N1)),
    "notices:action": Case("object", url("notices:action", N1, lambda w: "pin"), method="post"),
    "notices:poster": Case("object", url("notices:poster", N1)),
    # portal
    "portal:notice-list": Case("object", _with_notice("portal:notice-list"), insider="resident"),
    "portal:notice-detail": Case("object", url("portal:notice-detail", N1), insider="resident"),
    "portal:disclosures": Case("object", url("portal:disclosures", P1), insider="resident"),
    # API
    "api-v1:list_notices": Case("list", lambda w: (p1_notice(w), "/api/v1/notices")[1], api=True),
    "api-v1:get_notice": Case("object", _api(), api=True),
    "api-v1:create_notice": Case(
        "create",
        lambda w: "/api/v1/notices",
        method="post",
        api=True,
        data=lambda w: {"project_id": w.p1.pk, **_NEW},
    ),
    "api-v1:update_notice": Case(
        "object", _api(), method="patch", api=True, data=lambda w: {"pinned": True}
    ),
    "api-v1:publish_notice": Case("object", _api("/publish"), method="post", api=True),
    "api-v1:withdraw_notice": Case("object", _api("/withdraw"), method="post", api=True),
}
