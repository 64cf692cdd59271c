"""The demo world as plain data: what ``wuye demo`` makes sure exists.

Company A, 杭州万家物业服务有限公司 (``wanjia``), runs three projects in 西湖区:

- 美洲故事 (``meizhou``) — a villa community in sales: the sales centre (售楼处, with the show
  homes) and two villa zones, a few villas already sold;
- 阳光新邸 (``sunshine``) — a residential community: 6 buildings, 306 units, owners,
  tenants, family members, former occupants (history) and vacant units;
- 钱江国际大厦 (``tower``) — an office building owned by its developer and let to customer
  companies (organisations with a contact person), shops on the ground floors.

Company B, 杭州安居物业管理有限公司 (``anju``), runs one small community in 拱墅区.
The plan is built from a fixed seed, so every run produces the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from wuye.accounts.models import Role
from wuye.demo.data.people import Organisation, PeopleFactory, Person
from wuye.places.models import FeeModel, ProjectKind, Relation, UnitUse

SEED = 20260101


@dataclass(frozen=True)
class UnitPlan:
    building: str
    number: str
    floor: int
    use: str
    area: Decimal


@dataclass
class OccupantPlan:
    key: str  # unique within the project: the ID number, or "org:" + name
    name: str
    kind: str = "person"
    contact_name: str = ""
    mobile: str = ""
    id_number: str = ""
    birthday: dt.date | None = None
    interests: list[str] = field(default_factory=list)
    email: str = ""
    note: str = ""


@dataclass(frozen=True)
class OccupancyPlan:
    occupant_key: str
    building: str
    number: str
    relation: str
    start: dt.date
    end: dt.date | None = None


@dataclass
class ProjectPlan:
    code: str
    name: str
    kind: str
    company: str
    district: str
    address: str
    service_phone: str
    fee_model: str
    buildings: list[tuple[str, int]]
    business_start: dt.time = dt.time(8, 30)
    business_end: dt.time = dt.time(17, 30)
    business_weekdays: str = "12345"
    units: list[UnitPlan] = field(default_factory=list)
    occupants: dict[str, OccupantPlan] = field(default_factory=dict)
    occupancies: list[OccupancyPlan] = field(default_factory=list)

    def add_person(self, person: Person, note: str = "") -> str:
        self.occupants[person.id_number] = OccupantPlan(
            key=person.id_number,
            name=person.name,
            mobile=person.mobile,
            id_number=person.id_number,
            birthday=person.birthday,
            interests=list(person.interests),
            email=person.email,
            note=note,
        )
        return person.id_number

    def add_organisation(self, org: Organisation, note: str = "") -> str:
        key = "org:" + org.name
        self.occupants[key] = OccupantPlan(
            key=key,
            name=org.name,
            kind="organisation",
            contact_name=org.contact_name,
            mobile=org.mobile,
            email=org.email,
            note=note,
        )
        return key

    def occupy(
        self, key: str, unit: UnitPlan, relation: str, start: dt.date, end: dt.date | None = None
    ) -> None:
        self.occupancies.append(
            OccupancyPlan(key, unit.building, unit.number, relation, start, end)
        )


@dataclass(frozen=True)
class StaffPlan:
    username: str
    display_name: str
    mobile: str
    role: str
    company: str | None = None
    project: str | None = None
    district: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class ResidentPlan:
    username: str
    project: str
    occupant_key: str
    display_name: str
    mobile: str


@dataclass
class DemoPlan:
    districts: list[tuple[str, str]]  # (code, name)
    companies: list[tuple[str, str, str]]  # (code, name, phone)
    departments: dict[str, list[str]]  # company code → names
    projects: list[ProjectPlan]
    staff: list[StaffPlan]
    residents: list[ResidentPlan]


DEPARTMENTS = ("客服部", "工程部", "秩序部", "环境部", "品质部")
ROLE_DEPARTMENT: dict[str, str] = {
    Role.CUSTOMER_SERVICE: "客服部",
    Role.ENGINEERING: "工程部",
    Role.SECURITY: "秩序部",
    Role.CLEANING: "环境部",
    Role.QUALITY: "品质部",
}
RESIDENT_MOBILE = "13757120001"

# username suffix → role, for the per-project staff of company A
ROLE_SUFFIXES = (
    ("manager", Role.PROJECT_MANAGER),
    ("desk", Role.CUSTOMER_SERVICE),
    ("tech", Role.ENGINEERING),
    ("guard", Role.SECURITY),
    ("cleaner", Role.CLEANING),
    ("quality", Role.QUALITY),
)
STAFF_NAMES = {
    "admin": "周立群",
    "manager": "林海峰",
    "desk": "许静",
    "tech": "王建军",
    "guard": "赵勇",
    "cleaner": "刘桂芳",
    "quality": "孙丽娟",
    "manager2": "黄志刚",
    "district": "郑卫东",
    "admin2": "吴国平",
    "tower_desk": "沈佳怡",
    "tower_tech": "陆振华",
    "tower_guard": "钱国庆",
    "tower_cleaner": "蒋秀英",
    "tower_quality": "楼晓燕",
    "meizhou_manager": "俞建平",
    "meizhou_desk": "叶婷婷",
    "meizhou_tech": "方志强",
    "meizhou_guard": "邵军",
    "meizhou_cleaner": "汪春花",
    "meizhou_quality": "应雪梅",
    # more field staff, so that teams, dispatch suggestions and per-technician figures show
    "tech2": "李国栋",
    "tech3": "张海涛",
    "cleaner2": "陈美华",
    "tower_tech2": "何伟明",
    "cuiyuan_desk": "钟丽萍",
    "cuiyuan_tech": "马建新",
}


def _day(rng_days: int, start: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng_days)


# --- 阳光新邸 ---------------------------------------------------------------------------------

SUNSHINE_BUILDINGS = (  # (building no., floors, units per floor)
    (1, 15, 4),
    (2, 15, 4),
    (3, 15, 3),
    (4, 15, 3),
    (5, 12, 4),
    (6, 12, 4),
)
SUNSHINE_AREAS = {
    4: (Decimal("89.36"), Decimal("118.72"), Decimal("118.72"), Decimal("89.36")),
    3: (Decimal("96.45"), Decimal("142.80"), Decimal("128.15")),
}
SUNSHINE_VACANT = 12
SUNSHINE_RESIDENT_UNIT = "1-602"
SUNSHINE_HANDOVER = dt.date(2016, 6, 30)


def _sunshine(people: PeopleFactory) -> ProjectPlan:
    rng = people.rng
    plan = ProjectPlan(
        code="sunshine",
        name="阳光新邸",
        kind=ProjectKind.RESIDENTIAL,
        company="wanjia",
        district="xihu",
        address="杭州市西湖区文一西路588号",
        service_phone="0571-87961234",
        fee_model=FeeModel.FIXED,
        buildings=[(f"{no}幢", floors) for no, floors, _ in SUNSHINE_BUILDINGS],
    )
    for no, floors, per_floor in SUNSHINE_BUILDINGS:
        for floor in range(1, floors + 1):
            for position in range(1, per_floor + 1):
                plan.units.append(
                    UnitPlan(
                        f"{no}幢",
                        f"{no}-{floor}{position:02d}",
                        floor,
                        UnitUse.RESIDENCE,
                        SUNSHINE_AREAS[per_floor][position - 1],
                    )
                )

    resident_unit = next(u for u in plan.units if u.number == SUNSHINE_RESIDENT_UNIT)
    candidates = [u for u in plan.units if u is not resident_unit]
    vacant = set(rng.sample(range(len(candidates)), SUNSHINE_VACANT))
    vacant_units = {candidates[i].number for i in vacant}

    # The demo resident: an owner living with a spouse and a child.
    owner = Person(
        name="陈晓明",
        male=True,
        birthday=dt.date(1985, 3, 16),
        id_number=people.id_number(dt.date(1985, 3, 16), True),
        mobile=RESIDENT_MOBILE,
        email="chenxiaoming@example.com",
        interests=["摄影", "亲子"],
    )
    key = plan.add_person(owner, note="演示业主账号 resident")
    start = dt.date(2016, 7, 8)
    plan.occupy(key, resident_unit, Relation.OWNER, start)
    for member in (people.spouse_of(owner), people.child_of(owner)):
        plan.occupy(plan.add_person(member), resident_unit, Relation.FAMILY, start)

    for unit in candidates:
        if unit.number in vacant_units:
            if rng.random() < 0.35:  # a former tenant moved out
                tenant = people.adult(born=(1980, 1998))
                begin = _day(rng.randrange(300), dt.date(2021, 3, 1))
                plan.occupy(
                    plan.add_person(tenant),
                    unit,
                    Relation.TENANT,
                    begin,
                    _day(rng.randrange(200, 700), begin),
                )
            continue
        handover = _day(rng.randrange(120), SUNSHINE_HANDOVER)
        if rng.random() < 0.1:  # resold: the former owner is history
            former = people.adult(born=(1955, 1985))
            sold = _day(rng.randrange(600, 2400), handover)
            plan.occupy(plan.add_person(former), unit, Relation.OWNER, handover, sold)
            handover = sold + dt.timedelta(days=1)
        owner = people.adult(born=(1950, 1995), parent=rng.random() < 0.3)
        owner_key = plan.add_person(owner)
        plan.occupy(owner_key, unit, Relation.OWNER, handover)
        if rng.random() < 0.2:  # let: the owner lives elsewhere
            if rng.random() < 0.4:
                former = people.adult(born=(1980, 1999))
                begin = _day(rng.randrange(400), dt.date(2019, 9, 1))
                ended = _day(rng.randrange(300, 800), begin)
                plan.occupy(plan.add_person(former), unit, Relation.TENANT, begin, ended)
            tenant = people.adult(born=(1978, 2000))
            begin = _day(rng.randrange(900), dt.date(2022, 9, 1))
            plan.occupy(plan.add_person(tenant), unit, Relation.TENANT, begin)
            continue
        members: list[Person] = []
        if owner.birthday.year > 1958 and rng.random() < 0.75:
            members.append(people.spouse_of(owner))
        if 1970 <= owner.birthday.year <= 1992 and rng.random() < 0.5:
            members.append(people.child_of(owner))
        if owner.birthday.year >= 1980 and rng.random() < 0.15:
            members.append(people.parent_of(owner))
        for member in members:
            plan.occupy(plan.add_person(member), unit, Relation.FAMILY, handover)
    return plan


# --- 钱江国际大厦 -----------------------------------------------------------------------------

TOWER_FLOORS = 28
TOWER_OFFICE_AREAS = (Decimal("212.40"), Decimal("186.75"), Decimal("186.75"), Decimal("245.10"))
TOWER_SHOPS = (
    ("101", 1, Decimal("96.20")),
    ("102", 1, Decimal("64.50")),
    ("103", 1, Decimal("138.00")),
    ("201", 2, Decimal("320.60")),
    ("202", 2, Decimal("268.30")),
)
TOWER_SHOP_TENANTS = (
    "晨光便利店",
    "南山咖啡（钱江国际店）",
    "知味小馆",
    "杭州联合银行（钱江国际支行）",
)
TOWER_DEVELOPER = "杭州钱江置业有限公司"
TOWER_VACANT_OFFICES = 14


def _tower(people: PeopleFactory) -> ProjectPlan:
    rng = people.rng
    plan = ProjectPlan(
        code="tower",
        name="钱江国际大厦",
        kind=ProjectKind.OFFICE,
        company="wanjia",
        district="xihu",
        address="杭州市西湖区天目山路398号",
        service_phone="0571-88235566",
        fee_model=FeeModel.COMMISSION,
        buildings=[("主楼", TOWER_FLOORS)],
    )
    for number, floor, area in TOWER_SHOPS:
        plan.units.append(UnitPlan("主楼", number, floor, UnitUse.SHOP, area))
    for floor in range(3, TOWER_FLOORS + 1):
        for position, area in enumerate(TOWER_OFFICE_AREAS, start=1):
            plan.units.append(
                UnitPlan("主楼", f"{floor}{position:02d}", floor, UnitUse.OFFICE, area)
            )

    developer = Organisation(
        name=TOWER_DEVELOPER,
        contact_name="冯海涛",
        mobile=people.mobile(),
        email="asset@example.com",
    )
    developer_key = plan.add_organisation(developer, note="业主（开发商自持）")
    delivered = dt.date(2018, 6, 30)
    for unit in plan.units:
        plan.occupy(developer_key, unit, Relation.OWNER, delivered)

    shops = [u for u in plan.units if u.use == UnitUse.SHOP]
    for unit, name in zip(shops, TOWER_SHOP_TENANTS, strict=False):
        contact = people.adult(born=(1975, 1995))
        key = plan.add_organisation(
            Organisation(name=name, contact_name=contact.name, mobile=contact.mobile)
        )
        plan.occupy(key, unit, Relation.TENANT, _day(rng.randrange(900), dt.date(2019, 1, 1)))

    offices = [u for u in plan.units if u.use == UnitUse.OFFICE]
    vacant = {offices[i].number for i in rng.sample(range(len(offices)), TOWER_VACANT_OFFICES)}
    i = 0
    while i < len(offices):
        if offices[i].number in vacant:
            if rng.random() < 0.4:  # a former customer moved out
                former = plan.add_organisation(people.organisation())
                begin = _day(rng.randrange(500), dt.date(2018, 9, 1))
                plan.occupy(
                    former,
                    offices[i],
                    Relation.TENANT,
                    begin,
                    _day(rng.randrange(365, 1100), begin),
                )
            i += 1
            continue
        # A customer takes 1–3 neighbouring offices on one floor.
        floor = offices[i].floor
        take = [offices[i]]
        for j in range(i + 1, min(i + rng.choice((1, 1, 2, 3)), len(offices))):
            if offices[j].floor != floor or offices[j].number in vacant:
                break
            take.append(offices[j])
        org = people.organisation()
        key = plan.add_organisation(org)
        begin = _day(rng.randrange(2200), dt.date(2018, 8, 1))
        for unit in take:
            plan.occupy(key, unit, Relation.TENANT, begin)
        i += len(take)
    return plan


# --- 美洲故事 ---------------------------------------------------------------------------------

MEIZHOU_SALES_UNITS = (
    ("接待大厅", 1, Decimal("420.00")),
    ("洽谈区", 1, Decimal("180.00")),
    ("样板房A", 2, Decimal("326.00")),
    ("样板房B", 2, Decimal("288.00")),
)
MEIZHOU_SOLD = 9


def _meizhou(people: PeopleFactory) -> ProjectPlan:
    rng = people.rng
    plan = ProjectPlan(
        code="meizhou",
        name="美洲故事",
        kind=ProjectKind.SALES_CENTRE,
        company="wanjia",
        district="xihu",
        address="杭州市西湖区转塘美洲路8号",
        service_phone="0571-86091888",
        fee_model=FeeModel.FIXED,
        buildings=[("售楼处", 2), ("独栋A区", 3), ("联排B区", 3)],
        # The sales centre receives visitors every day of the week.
        business_start=dt.time(9, 0),
        business_end=dt.time(18, 0),
        business_weekdays="1234567",
    )
    for number, floor, area in MEIZHOU_SALES_UNITS:
        plan.units.append(UnitPlan("售楼处", number, floor, UnitUse.OTHER, area))
    for n in range(1, 9):
        area = Decimal("380.00") + Decimal(rng.randrange(0, 8000)) / 100
        plan.units.append(UnitPlan("独栋A区", f"A-{n:02d}", 1, UnitUse.VILLA, area))
    for n in range(1, 13):
        area = Decimal("262.00") + Decimal(rng.randrange(0, 5800)) / 100
        plan.units.append(UnitPlan("联排B区", f"B-{n:02d}", 1, UnitUse.VILLA, area))
    villas = [u for u in plan.units if u.use == UnitUse.VILLA]
    for unit in sorted(rng.sample(villas, MEIZHOU_SOLD), key=lambda u: u.number):
        owner = people.adult(born=(1965, 1988))
        key = plan.add_person(owner, note="别墅业主")
        bought = _day(rng.randrange(300), dt.date(2025, 3, 1))
        plan.occupy(key, unit, Relation.OWNER, bought)
        if rng.random() < 0.6:
            plan.occupy(plan.add_person(people.spouse_of(owner)), unit, Relation.FAMILY, bought)
    return plan


# --- company B: 翠苑小区 ----------------------------------------------------------------------


def _cuiyuan(people: PeopleFactory) -> ProjectPlan:
    rng = people.rng
    plan = ProjectPlan(
        code="cuiyuan",
        name="翠苑小区",
        kind=ProjectKind.RESIDENTIAL,
        company="anju",
        district="gongshu",
        address="杭州市拱墅区湖墅南路66号",
        service_phone="0571-85110022",
        fee_model=FeeModel.FIXED,
        buildings=[("1幢", 6), ("2幢", 6)],
    )
    for no in (1, 2):
        for floor in range(1, 7):
            for position, area in ((1, Decimal("72.30")), (2, Decimal("86.55"))):
                plan.units.append(
                    UnitPlan(
                        f"{no}幢", f"{no}-{floor}{position:02d}", floor, UnitUse.RESIDENCE, area
                    )
                )
    for unit in plan.units:
        if rng.random() < 0.12:
            continue
        owner = people.adult(born=(1945, 1990))
        plan.occupy(
            plan.add_person(owner),
            unit,
            Relation.OWNER,
            _day(rng.randrange(3000), dt.date(2003, 5, 1)),
        )
    return plan


# --- staff -----------------------------------------------------------------------------------


def _staff() -> list[StaffPlan]:
    serial = iter(range(1, 100))

    def mobile() -> str:
        return f"1390000{next(serial):04d}"

    def member(username: str, role: str, project: str) -> StaffPlan:
        return StaffPlan(
            username,
            STAFF_NAMES[username],
            mobile(),
            role,
            company="wanjia",
            project=project,
            department=ROLE_DEPARTMENT.get(role),
        )

    staff = [
        StaffPlan("admin", STAFF_NAMES["admin"], mobile(), Role.COMPANY_ADMIN, company="wanjia")
    ]
    staff += [member(suffix, role, "sunshine") for suffix, role in ROLE_SUFFIXES]
    staff.append(member("manager2", Role.PROJECT_MANAGER, "tower"))
    staff += [member(f"tower_{suffix}", role, "tower") for suffix, role in ROLE_SUFFIXES[1:]]
    staff += [member(f"meizhou_{suffix}", role, "meizhou") for suffix, role in ROLE_SUFFIXES]
    staff.append(
        StaffPlan(
            "district", STAFF_NAMES["district"], mobile(), Role.DISTRICT_SUPERVISOR, district="xihu"
        )
    )
    staff.append(
        StaffPlan("admin2", STAFF_NAMES["admin2"], mobile(), Role.COMPANY_ADMIN, company="anju")
    )
    # Appended last: earlier users keep the mobile numbers they had before these were added.
    staff += [
        member("tech2", Role.ENGINEERING, "sunshine"),
        member("tech3", Role.ENGINEERING, "sunshine"),
        member("cleaner2", Role.CLEANING, "sunshine"),
        member("tower_tech2", Role.ENGINEERING, "tower"),
    ]
    staff += [
        StaffPlan(
            username, STAFF_NAMES[username], mobile(), role, company="anju", project="cuiyuan"
        )
        for username, role in (
            ("cuiyuan_desk", Role.CUSTOMER_SERVICE),
            ("cuiyuan_tech", Role.ENGINEERING),
        )
    ]
    return staff


def build_plan() -> DemoPlan:
    """The whole demo world. Pure: same output on every call."""
    people = PeopleFactory(SEED)
    people.reserve_mobile(RESIDENT_MOBILE)
    sunshine = _sunshine(people)
    resident_key = next(o.key for o in sunshine.occupants.values() if o.mobile == RESIDENT_MOBILE)
    return DemoPlan(
        districts=[("xihu", "西湖区"), ("gongshu", "拱墅区")],
        companies=[
            ("wanjia", "杭州万家物业服务有限公司", "0571-87960000"),
            ("anju", "杭州安居物业管理有限公司", "0571-85110000"),
        ],
        departments={"wanjia": list(DEPARTMENTS)},
        projects=[_meizhou(people), sunshine, _tower(people), _cuiyuan(people)],
        staff=_staff(),
        residents=[ResidentPlan("resident", "sunshine", resident_key, "陈晓明", RESIDENT_MOBILE)],
    )
