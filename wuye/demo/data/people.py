"""Deterministic, plausible Chinese people and customer companies for the demo.

Everything comes from one seeded ``random.Random`` so that the same plan — and therefore
the same natural keys — is produced on every run. No real person's data: ID numbers are
made with valid check digits from invented sequences, mobiles are random.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from wuye.core.idcard import make_id_number

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
    "钱严戴莫孔汤俞楼应裘"
)
MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林建国志海峰文博晨阳"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀玲桂英华红梅琳雪倩颖洁佳慧婷萍燕晶莉妍欣怡嘉悦琪璐瑶"
CHILD_GIVEN = "子涵梓轩一诺欣妍浩宇雨桐思远可馨宇航语嫣俊熙若汐沐阳"

# Hangzhou district codes first (most residents), then other places people move from.
HANGZHOU_REGIONS = tuple("330102 330105 330106 330108 330109 330110".split())
OTHER_REGIONS = tuple("320102 310101 110105 340104 360102 330302 330602 420106 510104".split())
MOBILE_PREFIXES = tuple(
    "133 135 136 137 138 150 151 153 158 159 177 180 186 187 188 189 199".split()
)

INTERESTS = tuple(
    "书法 广场舞 太极 亲子 摄影 园艺 棋牌 读书 篮球 烘焙 瑜伽 垂钓 羽毛球 跑步".split()
)
SENIOR_INTERESTS = tuple("书法 广场舞 太极 园艺 棋牌 垂钓".split())

COMPANY_BRANDS = tuple(
    "云帆 星河 启明 博远 智汇 鼎盛 睿思 恒通 万象 拓新 联创 锦程 远景 青禾 天衡 和信 嘉禾 知行 华章 "
    "澜创 聚源 明德 卓越 正泰和 长风 北辰 弘毅 丰泽 数衍 栖霞 蓝鲸 南屏 钱塘 望潮".split()
)
COMPANY_TRADES = tuple(
    "科技有限公司 网络科技有限公司 信息技术有限公司 建筑设计有限公司 文化传媒有限公司 投资管理有限公司 "
    "电子商务有限公司 教育科技有限公司 医疗器械有限公司 贸易有限公司 会计师事务所（普通合伙） 律师事务所 "
    "人力资源有限公司 工程咨询有限公司".split()
)


@dataclass
class Person:
    name: str
    male: bool
    birthday: dt.date
    id_number: str
    mobile: str = ""
    email: str = ""
    interests: list[str] = field(default_factory=list)


@dataclass
class Organisation:
    name: str
    contact_name: str
    mobile: str
    email: str = ""


class PeopleFactory:
    """Makes unique people: unique mobiles and ID numbers within one factory."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._mobiles: set[str] = set()
        self._ids: set[str] = set()
        self._org_names: set[str] = set()
        self._emails = 0

    # --- pieces ----------------------------------------------------------------------------

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._mobiles:
                self._mobiles.add(number)
                return number

    def reserve_mobile(self, number: str) -> str:
        self._mobiles.add(number)
        return number

    def id_number(self, birthday: dt.date, male: bool, local: bool = True) -> str:
        regions = HANGZHOU_REGIONS if local or self.rng.random() < 0.5 else OTHER_REGIONS
        while True:
            # The 17th digit is odd for men and even for women (GB 11643-1999).
            sequence = self.rng.randrange(100) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8)
            )
            number = make_id_number(self.rng.choice(regions), birthday, sequence)
            if number not in self._ids:
                self._ids.add(number)
                return number

    def birthday(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1)
        days = (dt.date(last_year, 12, 31) - start).days
        return start + dt.timedelta(days=self.rng.randrange(days + 1))

    def given_name(self, male: bool, child: bool = False) -> str:
        if child:
            pairs = [CHILD_GIVEN[i : i + 2] for i in range(0, len(CHILD_GIVEN), 2)]
            return self.rng.choice(pairs)
        pool = MALE_GIVEN if male else FEMALE_GIVEN
        if self.rng.random() < 0.45:
            return self.rng.choice(pool)
        return self.rng.choice(pool) + self.rng.choice(pool)

    def interests(self, senior: bool, parent: bool) -> list[str]:
        pool = SENIOR_INTERESTS if senior else INTERESTS
        chosen = self.rng.sample(pool, self.rng.choice((0, 1, 1, 2, 2, 3)))
        if parent and "亲子" not in chosen and self.rng.random() < 0.6:
            chosen.append("亲子")
        return chosen

    def email(self) -> str:
        self._emails += 1
        return f"resident{self._emails:04d}@example.com"

    # --- people ----------------------------------------------------------------------------

    def adult(
        self,
        *,
        surname: str | None = None,
        male: bool | None = None,
        born: tuple[int, int] = (1955, 1998),
        parent: bool = False,
    ) -> Person:
        male = self.rng.random() < 0.5 if male is None else male
        birthday = self.birthday(*born)
        senior = birthday.year < 1962
        return Person(
            name=(surname or self.rng.choice(SURNAMES)) + self.given_name(male),
            male=male,
            birthday=birthday,
            id_number=self.id_number(birthday, male, local=self.rng.random() < 0.7),
            mobile=self.mobile(),
            email=self.email() if self.rng.random() < 0.3 else "",
            interests=self.interests(senior, parent),
        )

    def spouse_of(self, person: Person) -> Person:
        year = min(max(person.birthday.year + self.rng.randint(-4, 4), 1940), 2000)
        return self.adult(
            male=not person.male,
            born=(year, year),
            parent=bool(person.interests and "亲子" in person.interests),
        )

    def child_of(self, parent: Person) -> Person:
        year = min(max(parent.birthday.year + self.rng.randint(24, 36), 2008), 2023)
        male = self.rng.random() < 0.5
        birthday = self.birthday(year, year)
        surname = parent.name[0]
        return Person(
            name=surname + self.given_name(male, child=True),
            male=male,
            birthday=birthday,
            id_number=self.id_number(birthday, male),
            # Children from 16 have their own phone.
            mobile=self.mobile() if birthday.year <= 2009 else "",
            interests=self.rng.sample(
                ("篮球", "羽毛球", "读书", "烘焙", "摄影"), self.rng.choice((0, 1))
            ),
        )

    def parent_of(self, person: Person) -> Person:
        year = max(person.birthday.year - self.rng.randint(25, 32), 1936)
        return self.adult(surname=person.name[0], male=self.rng.random() < 0.4, born=(year, year))

    def organisation(self) -> Organisation:
        while True:
            trade = self.rng.choice(COMPANY_TRADES)
            prefix = "浙江" if trade in {"律师事务所", "会计师事务所（普通合伙）"} else "杭州"
            name = f"{prefix}{self.rng.choice(COMPANY_BRANDS)}{trade}"
            if name not in self._org_names:
                self._org_names.add(name)
                break
        contact = self.adult(born=(1975, 1998))
        return Organisation(
            name=name,
            contact_name=contact.name,
            mobile=contact.mobile,
            email=f"office{len(self._org_names):03d}@example.com",
        )
