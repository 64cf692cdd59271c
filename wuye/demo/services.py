"""Loading the demo world (see ``wuye.demo.data.plan``) — idempotent and fast.

Each level is loaded in one pass: read the natural keys that already exist, then
``bulk_create`` only the missing rows, so a second run creates nothing and changes nothing.
Derived fields are set here exactly as ``places.services`` sets them (``mobile_tail``,
``id_number_index`` via ``blind_index``); ``id_number`` encrypts itself in ``get_prep_value``,
``bulk_create`` included. Demo rows are not audited one by one: they are fixtures, not
anybody's change.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from wuye.accounts.models import Department, Membership, Role, User
from wuye.core.crypto import blind_index
from wuye.demo.data.plan import DemoPlan, build_plan
from wuye.demo.messages import messages_demo_load
from wuye.demo.notices import notices_demo_load
from wuye.demo.outreach import outreach_demo_load
from wuye.demo.tickets import desk_demo_load
from wuye.places.models import Building, Company, District, Occupancy, Occupant, Project, Unit

M = TypeVar("M", bound=models.Model)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    role: str
    scope: str


@dataclass
class DemoResult:
    created: Counter[str] = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)
    residents_linked: int = 0
    passwords_set: int = 0

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


def _ensure(
    model: type[M],
    wanted: dict[K, M],
    existing: Iterable[M],
    key: Callable[[M], K],
    created: Counter[str],
) -> dict[K, M]:
    """Create the ``wanted`` rows whose key is not among ``existing``; return key → row for all."""
    have = {key(obj): obj for obj in existing}
    missing = [obj for k, obj in wanted.items() if k not in have]
    if missing:
        model._default_manager.bulk_create(missing, batch_size=500)
        for obj in missing:
            assert obj.pk is not None  # SQLite ≥ 3.35 and PostgreSQL return the new ids
            have[key(obj)] = obj
        model_name = model._meta.model_name
        assert model_name is not None  # set for every model class
        created[model_name] += len(missing)
    return have


def _occupant_key(occupant: Occupant) -> tuple[int, str]:
    return occupant.project_id, occupant.id_number_index or "org:" + occupant.name


@transaction.atomic
def demo_load(
    *,
    password: str | None = None,
    reset_passwords: bool = False,
    tickets: bool = True,
    now: dt.datetime | None = None,
) -> DemoResult:
    """Make sure the demo world exists. Returns what was created and the demo logins.

    New demo users get ``password`` (default ``settings.WUYE_DEMO_PASSWORD``); existing ones
    keep theirs unless ``reset_passwords``. With ``tickets`` the service desk's teams, price
    lists and tickets (:mod:`wuye.demo.tickets`) are loaded too, placed in the 90 days
    before ``now`` (default: now).
    """
    plan = build_plan()
    result = DemoResult()
    created = result.created

    districts = _ensure(
        District,
        {code: District(code=code, name=name) for code, name in plan.districts},
        District.objects.filter(code__in=[c for c, _ in plan.districts]),
        lambda d: d.code,
        created,
    )
    companies = _ensure(
        Company,
        {code: Company(code=code, name=name, phone=phone) for code, name, phone in plan.companies},
        Company.objects.filter(code__in=[c for c, _, _ in plan.companies]),
        lambda c: c.code,
        created,
    )
    projects = _load_projects(plan, districts, companies, created)
    _load_places_and_people(plan, projects, created)
    departments = _ensure(
        Department,
        {
            (companies[code].pk, name): Department(company=companies[code], name=name)
            for code, names in plan.departments.items()
            for name in names
        },
        Department.objects.filter(company__in=companies.values()),
        lambda d: (d.company_id, d.name),
        created,
    )
    users = _load_users(plan, password, reset_passwords, result)
    _load_memberships(plan, users, companies, projects, districts, departments, created)
    for resident in plan.residents:
        project = projects[resident.project]
        result.residents_linked += Occupant.objects.filter(
            project=project, id_number_index=blind_index(resident.occupant_key), user__isnull=True
        ).update(user=users[resident.username])
    if tickets:
        result.created.update(desk_demo_load(projects=list(projects.values()), now=now))
    result.created.update(outreach_demo_load(projects=list(projects.values()), now=now))
    result.created.update(
        notices_demo_load(projects=list(projects.values()), now=now or timezone.now())
    )
    result.created.update(
        messages_demo_load(projects=list(projects.values()), now=now or timezone.now())
    )
    result.logins = _logins(plan, projects, companies, districts)
    return result


def _load_projects(
    plan: DemoPlan,
    districts: dict[str, District],
    companies: dict[str, Company],
    created: Counter[str],
) -> dict[str, Project]:
    wanted = {
        (companies[p.company].pk, p.code): Project(
            company=companies[p.company],
            district=districts[p.district],
            name=p.name,
            code=p.code,
            kind=p.kind,
            address=p.address,
            service_phone=p.service_phone,
            fee_model=p.fee_model,
            business_start=p.business_start,
            business_end=p.business_end,
            business_weekdays=p.business_weekdays,
        )
        for p in plan.projects
    }
    by_key = _ensure(
        Project,
        wanted,
        Project.objects.filter(company__in=companies.values()),
        lambda p: (p.company_id, p.code),
        created,
    )
    return {p.code: by_key[(companies[p.company].pk, p.code)] for p in plan.projects}


def _load_places_and_people(
    plan: DemoPlan, projects: dict[str, Project], created: Counter[str]
) -> None:
    project_ids = [p.pk for p in projects.values()]
    buildings = _ensure(
        Building,
        {
            (projects[p.code].pk, name): Building(
                project=projects[p.code], name=name, floors=floors
            )
            for p in plan.projects
            for name, floors in p.buildings
        },
        Building.objects.filter(project_id__in=project_ids),
        lambda b: (b.project_id, b.name),
        created,
    )
    units = _ensure(
        Unit,
        {
            (buildings[(projects[p.code].pk, u.building)].pk, u.number): Unit(
                project=projects[p.code],
                building=buildings[(projects[p.code].pk, u.building)],
                number=u.number,
                floor=u.floor,
                use=u.use,
                building_area=u.area,
            )
            for p in plan.projects
            for u in p.units
        },
        Unit.objects.filter(project_id__in=project_ids).only("id", "building_id", "number"),
        lambda u: (u.building_id, u.number),
        created,
    )
    wanted_occupants: dict[tuple[int, str], Occupant] = {}
    for p in plan.projects:
        project = projects[p.code]
        for o in p.occupants.values():
            index = blind_index(o.id_number) if o.id_number else ""
            wanted_occupants[(project.pk, index or "org:" + o.name)] = Occupant(
                project=project,
                kind=o.kind,
                name=o.name,
                contact_name=o.contact_name,
                mobile=o.mobile,
                mobile_tail=o.mobile[-4:] if o.mobile else "",
                id_number=o.id_number,
                id_number_index=index,
                birthday=o.birthday,
                interests=o.interests,
                email=o.email,
                note=o.note,
            )
    occupants = _ensure(
        Occupant,
        wanted_occupants,
        # id_number is deferred: the keys need only the blind index, nothing is decrypted.
        Occupant.objects.filter(project_id__in=project_ids).only(
            "id", "project_id", "name", "id_number_index"
        ),
        _occupant_key,
        created,
    )

    def occupant_of(project: Project, plan_key: str) -> Occupant:
        natural = plan_key if plan_key.startswith("org:") else blind_index(plan_key)
        return occupants[(project.pk, natural)]

    wanted_occupancies: dict[tuple[int, int, str], Occupancy] = {}
    for p in plan.projects:
        project = projects[p.code]
        for op in p.occupancies:
            occupant = occupant_of(project, op.occupant_key)
            unit = units[(buildings[(project.pk, op.building)].pk, op.number)]
            # Keyed without dates: a demo occupant holds one relation to a unit once, and a row
            # someone later ended or re-dated is theirs to keep, not a reason for a duplicate.
            wanted_occupancies[(occupant.pk, unit.pk, op.relation)] = Occupancy(
                occupant=occupant,
                unit=unit,
                relation=op.relation,
                start_date=op.start,
                end_date=op.end,
            )
    _ensure(
        Occupancy,
        wanted_occupancies,
        Occupancy.objects.filter(unit__project_id__in=project_ids).only(
            "id", "occupant_id", "unit_id", "relation"
        ),
        lambda o: (o.occupant_id, o.unit_id, o.relation),
        created,
    )


def _load_users(
    plan: DemoPlan, password: str | None, reset_passwords: bool, result: DemoResult
) -> dict[str, User]:
    # One hash for every demo user: hashing ~25 times with the production hasher would take
    # seconds, and the demo password is shared and printed anyway.
    hashed = make_password(password or settings.WUYE_DEMO_PASSWORD)
    people = [(s.username, s.display_name, s.mobile) for s in plan.staff]
    people += [(r.username, r.display_name, r.mobile) for r in plan.residents]
    usernames = [u for u, _, _ in people]
    existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
    taken_mobiles = set(
        User.objects.filter(mobile__in=[m for _, _, m in people])
        .exclude(username__in=usernames)
        .values_list("mobile", flat=True)
    )
    wanted = {
        username: User(
            username=username,
            display_name=name,
            password=hashed,
            mobile=None if mobile in taken_mobiles else mobile,
        )
        for username, name, mobile in people
    }
    users = _ensure(User, wanted, existing.values(), lambda u: u.username, result.created)
    if reset_passwords:
        result.passwords_set = User.objects.filter(username__in=usernames).update(password=hashed)
    return users


def _load_memberships(
    plan: DemoPlan,
    users: dict[str, User],
    companies: dict[str, Company],
    projects: dict[str, Project],
    districts: dict[str, District],
    departments: dict[tuple[int, str], Department],
    created: Counter[str],
) -> None:
    wanted: dict[tuple[Any, ...], Membership] = {}
    for s in plan.staff:
        company = companies[s.company] if s.company else None
        membership = Membership(
            user=users[s.username],
            role=s.role,
            company=company,
            project=projects[s.project] if s.project else None,
            district=districts[s.district] if s.district else None,
            department=departments.get((company.pk, s.department))
            if company and s.department
            else None,
        )
        wanted[_membership_key(membership)] = membership
    _ensure(
        Membership,
        wanted,
        Membership.objects.filter(user__in=users.values()),
        _membership_key,
        created,
    )


def _membership_key(m: Membership) -> tuple[Any, ...]:
    # Company admins are keyed without project/district: one admin row per user and company.
    if m.role == Role.COMPANY_ADMIN:
        return m.user_id, m.role, m.company_id
    if m.role == Role.DISTRICT_SUPERVISOR:
        return m.user_id, m.role, m.district_id
    return m.user_id, m.role, m.project_id


def _logins(
    plan: DemoPlan,
    projects: dict[str, Project],
    companies: dict[str, Company],
    districts: dict[str, District],
) -> list[DemoLogin]:
    logins = []
    for s in plan.staff:
        if s.project:
            scope = projects[s.project].name
        elif s.district:
            scope = districts[s.district].name
        else:
            scope = companies[s.company].name if s.company else ""
        logins.append(DemoLogin(s.username, s.display_name, str(Role(s.role).label), scope))
    for r in plan.residents:
        logins.append(
            DemoLogin(
                r.username, r.display_name, str(Role.RESIDENT.label), projects[r.project].name
            )
        )
    return logins
