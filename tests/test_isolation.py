"""The isolation matrix: every URL pattern and API route has an access case.

``test_every_route_has_an_access_case`` fails when a route is added without a case here.
For each case the matrix proves:

- objects of project p1 (company A): an in-scope user reaches them (so the URL is right),
  while ``manager2`` (same company, other project), ``admin_b`` (other company) and
  ``outsider`` (no membership) get 404 — the same answer as for a missing object;
- lists and forms: out-of-scope users may load them but never see p1's data;
- anonymous users are sent to a login page (HTML) or get 401 (API);
- residents reach only their own units.
"""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import re
from typing import Any

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import isolation_cases
from tests.isolation_support import B1, O1, OUT_OF_SCOPE, P1, P1_MARKERS, U1, Case, api, url
from wuye.accounts.models import Membership
from wuye.accounts.tokens import token_create
from wuye.dataio.models import ImportJob
from wuye.places.models import Occupancy
from wuye.testing import factories as f


def _membership(w: Any) -> int:
    return Membership.objects.get(user=w.manager, project=w.p1).pk


def _occupancy(w: Any) -> int:
    return Occupancy.objects.get(unit=w.u1, occupant=w.occupant1).pk


def _job(w: Any) -> int:
    return ImportJob.objects.create(project=w.p1, created_by=w.admin, original_name="p1.xlsx").pk


def _admin_token(w: Any) -> int:
    return token_create(user=w.admin, name="admin-token-zz")[0].pk


CASES: dict[str, Case] = {
    # --- public pages: no tenant data behind them -------------------------------------------
    "home": Case("public", reason="redirects to the right front page"),
    "accounts:login": Case("public", reason="login form"),
    "accounts:logout": Case("public", reason="logout of the caller's own session"),
    "portal:login": Case("public", reason="login form"),
    "portal:logout": Case("public", reason="logout of the caller's own session"),
    "set_language": Case("public", reason="language cookie"),
    "api-v1:openapi-json": Case("public", reason="schema, no data"),
    "api-v1:openapi-view": Case("public", reason="docs page, no data"),
    "api-v1:docs-asset": Case("public", reason="static docs assets"),
    "api-v1:api-root": Case("public", reason="ninja's root route; answers 404"),
    # --- console: objects of p1 -------------------------------------------------------------
    "console:project-detail": Case("object", url("console:project-detail", P1)),
    "console:project-edit": Case("object", url("console:project-edit", P1)),
    "console:building-edit": Case("object", url("console:building-edit", B1)),
    "console:unit-detail": Case("object", url("console:unit-detail", U1)),
    "console:unit-edit": Case("object", url("console:unit-edit", U1)),
    "console:occupancy-start": Case("object", url("console:occupancy-start", U1), method="post"),
    "console:occupancy-end": Case(
        "object", url("console:occupancy-end", U1, _occupancy), method="post"
    ),
    "console:occupant-detail": Case("object", url("console:occupant-detail", O1)),
    "console:occupant-edit": Case("object", url("console:occupant-edit", O1)),
    "console:occupant-reveal": Case("object", url("console:occupant-reveal", O1), method="post"),
    "console:occupant-portal-grant": Case(
        "object", url("console:occupant-portal-grant", O1), method="post"
    ),
    "console:occupant-portal-revoke": Case(
        "object", url("console:occupant-portal-revoke", O1), method="post"
    ),
    "console:staff-deactivate": Case(
        "object", url("console:staff-deactivate", _membership), method="post"
    ),
    "console:switch-project": Case(
        "object",
        url("console:switch-project"),
        method="post",
        data=lambda w: {"project": w.p1.pk},
    ),
    "dataio:job-detail": Case("object", url("dataio:job-detail", _job)),
    "api:token-revoke": Case("object", url("api:token-revoke", _admin_token), method="post"),
    # --- console: lists and forms -----------------------------------------------------------
    "console:dashboard": Case("list", url("console:dashboard")),
    "console:project-list": Case("list", url("console:project-list")),
    "console:building-list": Case("list", url("console:building-list")),
    "console:unit-list": Case("list", url("console:unit-list")),
    "console:occupant-list": Case("list", url("console:occupant-list")),
    "console:staff-list": Case("list", url("console:staff-list")),
    "console:building-create": Case(
        "create", url("console:building-create"), data=lambda w: {"project": w.p1.pk, "name": "X幢"}
    ),
    "console:unit-create": Case(
        "create",
        url("console:unit-create"),
        data=lambda w: {"building": w.b1.pk, "number": "9-999"},
    ),
    "console:occupant-create": Case(
        "create",
        url("console:occupant-create"),
        data=lambda w: {"project": w.p1.pk, "name": "某人", "kind": "person"},
    ),
    "console:staff-create": Case(
        "create",
        url("console:staff-create"),
        data=lambda w: {"project": w.p1.pk, "user": "outsider", "role": "engineering"},
    ),
    "dataio:home": Case("list", url("dataio:home")),
    "dataio:job-list": Case("list", url("dataio:job-list")),
    "dataio:template": Case("public", reason="blank template file, requires login only"),
    "dataio:export": Case("list", url("dataio:export")),
    "dataio:import": Case(
        "create", url("dataio:import"), method="post", data=lambda w: {"project": w.p1.pk}
    ),
    "api:tokens": Case("self", url("api:tokens")),
    # --- portal -----------------------------------------------------------------------------
    "portal:home": Case("resident", url("portal:home")),
    "portal:units": Case("resident", url("portal:units")),
    "portal:profile": Case("resident", url("portal:profile")),
    "portal:unit-detail": Case("object", url("portal:unit-detail", U1), insider="resident"),
    # --- API --------------------------------------------------------------------------------
    "api-v1:list_projects": Case("list", api("projects"), api=True),
    "api-v1:get_project": Case("object", api("projects/{w.p1.pk}"), api=True),
    "api-v1:list_buildings": Case("list", api("buildings"), api=True),
    "api-v1:get_building": Case("object", api("buildings/{w.b1.pk}"), api=True),
    "api-v1:list_units": Case("list", api("units"), api=True),
    "api-v1:create_unit": Case(
        "create",
        api("units"),
        method="post",
        api=True,
        data=lambda w: {"building_id": w.b1.pk, "number": "9-999"},
    ),
    "api-v1:get_unit": Case("object", api("units/{w.u1.pk}"), api=True),
    "api-v1:update_unit": Case(
        "object", api("units/{w.u1.pk}"), method="patch", api=True, data=lambda w: {"floor": 3}
    ),
    "api-v1:list_occupants": Case("list", api("occupants"), api=True),
    "api-v1:create_occupant": Case(
        "create",
        api("occupants"),
        method="post",
        api=True,
        data=lambda w: {"project_id": w.p1.pk, "name": "某人"},
    ),
    "api-v1:get_occupant": Case("object", api("occupants/{w.occupant1.pk}"), api=True),
    "api-v1:update_occupant": Case(
        "object",
        api("occupants/{w.occupant1.pk}"),
        method="patch",
        api=True,
        data=lambda w: {"name": "张三丰"},
    ),
    "api-v1:reveal_personal_data": Case(
        "object", api("occupants/{w.occupant1.pk}/personal-data"), api=True
    ),
    "api-v1:grant_portal_access": Case(
        "object", api("occupants/{w.occupant1.pk}/portal-access"), method="post", api=True
    ),
    "api-v1:revoke_portal_access": Case(
        "object", api("occupants/{w.occupant1.pk}/portal-access"), method="delete", api=True
    ),
    "api-v1:me": Case("self", api("me"), api=True),
    "api-v1:my_units": Case("resident", api("me/units"), api=True),
}

for _module in sorted(pkgutil.iter_modules(isolation_cases.__path__), key=lambda m: m.name):
    _extra = importlib.import_module(f"tests.isolation_cases.{_module.name}").CASES
    _clash = set(_extra) & set(CASES)
    assert not _clash, f"access cases defined twice: {sorted(_clash)}"
    CASES.update(_extra)


def _route_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                if ns == "admin":
                    continue  # Django admin: superusers only, tested in console tests
                walk(pattern, f"{namespace}:{ns}" if namespace and ns else ns or namespace)
            elif isinstance(pattern, URLPattern):
                names.add(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))

    walk(get_resolver(), None)
    return names


def test_every_route_has_an_access_case():
    routes = _route_names()
    missing = sorted(routes - set(CASES))
    assert not missing, f"routes without an access case in tests/test_isolation.py: {missing}"
    stale = sorted(set(CASES) - routes)
    assert not stale, f"access cases for routes that no longer exist: {stale}"


# --- running the cases -----------------------------------------------------------------------


def _request(client: Any, case: Case, w: Any, user: Any | None) -> Any:
    assert case.path is not None
    path = case.path(w)
    data = case.data(w)
    headers: dict[str, str] = {}
    if case.api:
        if user is not None:
            headers["Authorization"] = f"Bearer {token_create(user=user)[1]}"
        if case.method == "get":
            return client.get(path, data, headers=headers)
        return getattr(client, case.method)(
            path, data, content_type="application/json", headers=headers
        )
    if user is not None:
        client.force_login(user)
    return getattr(client, case.method)(path, data)


def _text(response: Any) -> str:
    if response.get("Content-Type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _cases(*kinds: str) -> list[str]:
    return [name for name, case in CASES.items() if case.kind in kinds]


@pytest.mark.parametrize("name", _cases("object"))
def test_p1_objects_answer_404_outside_the_scope(client, world, name):
    case = CASES[name]
    insider = world.users[case.insider]
    response = _request(client, case, world, insider)
    assert response.status_code != 404, f"{name}: the in-scope user got 404 — wrong URL?"
    for username in OUT_OF_SCOPE:
        client.logout()
        response = _request(client, case, world, world.users[username])
        # A user with no role at all gets the console's blanket "no access" page (403) on
        # every URL, whether the object exists or not: it tells nothing either.
        # The portal answers 403 to anyone who is not a resident; residents are tested below.
        no_role = username == "outsider" or name.startswith("portal:")
        allowed = {404, 403} if no_role and not case.api else {404}
        assert response.status_code in allowed, f"{name} as {username}: {response.status_code}"


@pytest.mark.parametrize("name", _cases("object", "list", "create", "self", "resident"))
def test_anonymous_is_sent_to_login(client, world, name):
    case = CASES[name]
    response = _request(client, case, world, None)
    if case.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert re.search(r"/(accounts|portal)/login/", response["Location"])


@pytest.mark.parametrize("name", _cases("list", "self"))
def test_lists_never_show_p1_to_outsiders(client, world, name):
    case = CASES[name]
    response = _request(client, case, world, world.manager)
    assert response.status_code == 200
    if name not in {"api:tokens", "api-v1:me"}:
        assert any(m in _text(response) for m in P1_MARKERS), f"{name}: insider sees no p1 data"
    for username in OUT_OF_SCOPE:
        client.logout()
        response = _request(client, case, world, world.users[username])
        assert response.status_code in (200, 403), f"{name} as {username}"
        body = _text(response)
        for marker in P1_MARKERS:
            assert marker not in body, f"{name} as {username} shows {marker}"


@pytest.mark.parametrize("name", _cases("create"))
def test_creating_in_p1_is_refused_outside_the_scope(client, world, name):
    case = CASES[name]
    for username in OUT_OF_SCOPE:
        client.logout()
        response = _request(client, case, world, world.users[username])
        if case.method == "get" or not case.api:
            # a form: GET must not offer p1, POST must not create anything in p1
            if case.method == "get":
                assert not any(m in _text(response) for m in P1_MARKERS)
        assert response.status_code in (403, 404, 422, 200), (
            f"{name} as {username}: {response.status_code}"
        )
        if response.status_code == 200:
            assert "阳光新邸" not in _text(response)
    from wuye.places.models import Building, Occupant, Unit

    assert not Building.objects.filter(name="X幢").exists()
    assert not Unit.objects.filter(number="9-999").exists()
    assert not Occupant.objects.filter(name="某人").exists()
    assert not Membership.objects.filter(user=world.outsider).exists()


@pytest.mark.parametrize("name", _cases("resident"))
def test_residents_see_only_their_own_units(client, world, name):
    case = CASES[name]
    other = f.UserFactory(username="resident_b", mobile="13800003333")
    world.occupant3.user = other
    world.occupant3.save(update_fields=["user"])
    response = _request(client, case, world, world.resident)
    assert response.status_code == 200
    client.logout()
    response = _request(client, case, world, other)
    assert response.status_code == 200
    body = _text(response)
    assert "9-909" in body or name in {"portal:home", "portal:profile", "portal:prices"}
    if name == "portal:prices":
        assert "阳光新邸" not in body and "更换水龙头" not in body
    for marker in ("1-101", "张三"):
        assert marker not in body
    if name == "portal:units":
        response = client.get(reverse("portal:unit-detail", args=[world.u1.pk]))
        assert response.status_code == 404
