"""The standard test world: two companies, their projects, one user per role, an outsider.

Company A runs project ``p1`` (residential, in district ``d1``) and ``p2`` (office).
Company B runs ``p3``. Users:

- ``admin`` company admin of A; ``admin_b`` company admin of B
- ``manager``, ``desk``, ``tech``, ``guard``, ``cleaner``, ``quality`` — one per role in p1
- ``manager2`` — project manager of p2 only
- ``district`` — district supervisor of d1
- ``resident`` — owner of unit ``u1`` in p1 (a portal user, no membership)
- ``outsider`` — an active user with no membership and no unit
"""

from __future__ import annotations

from dataclasses import dataclass

from wuye.accounts.models import Membership, Role, User
from wuye.places.models import Building, Company, District, Occupant, Project, ProjectKind, Unit
from wuye.testing import factories as f


@dataclass
class World:
    d1: District
    company_a: Company
    company_b: Company
    p1: Project
    p2: Project
    p3: Project
    b1: Building
    b2: Building
    b3: Building
    u1: Unit
    u2: Unit
    u3: Unit
    occupant1: Occupant
    occupant2: Occupant
    occupant3: Occupant
    admin: User
    admin_b: User
    manager: User
    desk: User
    tech: User
    guard: User
    cleaner: User
    quality: User
    manager2: User
    district: User
    resident: User
    outsider: User

    @property
    def users(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "admin",
                "admin_b",
                "manager",
                "desk",
                "tech",
                "guard",
                "cleaner",
                "quality",
                "manager2",
                "district",
                "resident",
                "outsider",
            )
        }


def build_world() -> World:
    d1 = f.DistrictFactory.create(name="西湖区", code="xihu")
    company_a = f.CompanyFactory.create(name="甲物业", code="alpha")
    company_b = f.CompanyFactory.create(name="乙物业", code="beta")
    p1 = f.ProjectFactory.create(company=company_a, district=d1, name="阳光新邸", code="sunshine")
    p2 = f.ProjectFactory.create(
        company=company_a, name="中心大厦", code="tower", kind=ProjectKind.OFFICE
    )
    p3 = f.ProjectFactory.create(company=company_b, name="乙小区", code="beta-home")
    b1 = f.BuildingFactory.create(project=p1, name="1幢")
    b2 = f.BuildingFactory.create(project=p2, name="A座")
    b3 = f.BuildingFactory.create(project=p3, name="9幢")
    u1 = f.UnitFactory.create(building=b1, number="1-101")
    u2 = f.UnitFactory.create(building=b2, number="1201")
    u3 = f.UnitFactory.create(building=b3, number="9-909")
    occupant1 = f.OccupantFactory.create(project=p1, name="张三", mobile="13800001111")
    occupant2 = f.OccupantFactory.create(
        project=p2, name="某科技有限公司", kind="organisation", mobile="13800002222"
    )
    occupant3 = f.OccupantFactory.create(project=p3, name="李四", mobile="13800003333")
    f.OccupancyFactory.create(unit=u1, occupant=occupant1)
    f.OccupancyFactory.create(unit=u2, occupant=occupant2, relation="tenant")
    f.OccupancyFactory.create(unit=u3, occupant=occupant3)

    def user(name: str, mobile: str | None = None) -> User:
        return f.UserFactory.create(username=name, mobile=mobile)

    admin, admin_b = user("admin"), user("admin_b")
    Membership.objects.create(user=admin, role=Role.COMPANY_ADMIN, company=company_a)
    Membership.objects.create(user=admin_b, role=Role.COMPANY_ADMIN, company=company_b)
    per_role = {
        "manager": Role.PROJECT_MANAGER,
        "desk": Role.CUSTOMER_SERVICE,
        "tech": Role.ENGINEERING,
        "guard": Role.SECURITY,
        "cleaner": Role.CLEANING,
        "quality": Role.QUALITY,
    }
    staff = {}
    for name, role in per_role.items():
        staff[name] = user(name)
        Membership.objects.create(user=staff[name], role=role, project=p1, company=company_a)
    manager2 = user("manager2")
    Membership.objects.create(
        user=manager2, role=Role.PROJECT_MANAGER, project=p2, company=company_a
    )
    district = user("district")
    Membership.objects.create(user=district, role=Role.DISTRICT_SUPERVISOR, district=d1)
    resident = user("resident", mobile="13800001111")
    occupant1.user = resident
    occupant1.save(update_fields=["user"])
    outsider = user("outsider", mobile="13900009999")
    return World(
        d1=d1,
        company_a=company_a,
        company_b=company_b,
        p1=p1,
        p2=p2,
        p3=p3,
        b1=b1,
        b2=b2,
        b3=b3,
        u1=u1,
        u2=u2,
        u3=u3,
        occupant1=occupant1,
        occupant2=occupant2,
        occupant3=occupant3,
        admin=admin,
        admin_b=admin_b,
        manager2=manager2,
        district=district,
        resident=resident,
        outsider=outsider,
        **staff,
    )
