"""Notice-board demo data (公示栏): per demo project a pinned water-outage notice, a holiday
notice, and the three disclosures (三公开) — fee standards, service content and standards,
procedures — plus one draft.

Every notice is made by the real services (create, publish) as the project's customer
service or manager, so events and audit records are what the console would write.
Idempotent: a project that already has a notice with a planned title is not given it again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from wuye.accounts.models import Membership, Role, User
from wuye.notices.models import Notice, NoticeCategory
from wuye.notices.services import notice_create, notice_publish
from wuye.places.models import Project

C = NoticeCategory


@dataclass(frozen=True)
class NoticePlan:
    title: str
    category: str
    body: str
    start_days: float  # relative to now
    end_days: float | None = None
    pinned: bool = False
    publish: bool = True


def _plans(project: Project) -> list[NoticePlan]:
    name, phone = project.name, project.service_phone or "服务中心"
    return [
        NoticePlan(
            "二次供水设备检修临时停水通知",
            C.WORKS,
            f"因{name}二次供水设备年度检修，定于本周六9:00至17:00暂停供水，"
            "如检修提前完成将提前恢复供水。\n\n"
            "请各位业主、住户提前做好储水准备，停水期间关闭家中水龙头，防止来水时跑水。\n\n"
            f"如遇紧急情况请拨打24小时服务电话 {phone}。给您带来的不便，敬请谅解！",
            start_days=-1,
            end_days=4,
            pinned=True,
        ),
        NoticePlan(
            "元旦假期服务安排",
            C.GENERAL,
            "元旦假期期间，客服中心照常值班，报事报修可通过住户服务或24小时服务电话办理。\n\n"
            "假期期间请注意用火用电安全，外出时关好门窗、水电气阀门。",
            start_days=-2,
            end_days=40,
        ),
        NoticePlan(
            "物业服务收费标准",
            C.FEES,
            "住宅物业服务费：2.80元/平方米·月，按建筑面积计收。\n\n"
            "地面停车服务费：150元/个·月；地下车位管理费：80元/个·月。\n\n"
            "有偿服务（入户维修等）按公示的价目表收费，维修前告知费用，经您确认后施工。\n\n"
            "以上标准经物价部门备案，如有调整将提前公示。",
            start_days=-120,
        ),
        NoticePlan(
            "物业服务内容与标准",
            C.SERVICE,
            "客服：服务中心8:30–17:30接待，24小时服务电话全天有人接听；"
            "报修30分钟内响应，一般维修24小时内完成。\n\n"
            "秩序维护：出入口24小时值守，公共区域每2小时巡查一次。\n\n"
            "保洁绿化：公共区域每日清扫，垃圾日产日清；绿化按季节养护。\n\n"
            "共用设施设备：电梯、消防、供水设施按规定定期维护保养并公示记录。",
            start_days=-120,
        ),
        NoticePlan(
            "装修申请办理流程",
            C.PROCEDURES,
            "1. 业主持房产证明、身份证到服务中心领取《装修申请表》。\n\n"
            "2. 提交装修方案与施工单位资质，签订装修管理协议。\n\n"
            "3. 服务中心3个工作日内审核，办理施工人员出入证。\n\n"
            "4. 施工时间：工作日8:00–12:00、14:00–18:00，节假日不得进行噪音作业。\n\n"
            "5. 完工后申请验收，验收合格后办结。",
            start_days=-120,
        ),
        NoticePlan(
            "报事报修办理流程",
            C.PROCEDURES,
            "1. 通过住户服务“报事报修”、24小时服务电话或到服务中心报修。\n\n"
            "2. 客服登记并派单，维修人员按约定时间上门。\n\n"
            "3. 有偿维修先告知费用，经您确认后施工。\n\n"
            "4. 完工后请您确认并评价，服务中心回访。",
            start_days=-90,
        ),
        NoticePlan(
            "春节期间电梯维保安排（草稿）",
            C.WORKS,
            "春节前将对全部电梯进行一次全面维保，具体时间另行通知。",
            start_days=30,
            publish=False,
        ),
    ]


def _author(project: Project) -> User | None:
    """The project's customer service, else its manager, else a company admin."""
    for role in (Role.CUSTOMER_SERVICE, Role.PROJECT_MANAGER):
        m = (
            Membership.objects.filter(project=project, role=role, is_active=True)
            .select_related("user")
            .order_by("user_id")
            .first()
        )
        if m is not None:
            return m.user
    return (
        User.objects.filter(
            memberships__role=Role.COMPANY_ADMIN,
            memberships__company_id=project.company_id,
            memberships__is_active=True,
        )
        .order_by("id")
        .first()
    )


def notices_demo_load(*, projects: Sequence[Project], now: dt.datetime) -> Counter[str]:
    """Make sure every demo project has its notices. Returns what was created."""
    created: Counter[str] = Counter()
    for project in projects:
        author = _author(project)
        if author is None:
            continue
        have = set(Notice.objects.filter(project=project).values_list("title", flat=True))
        for plan in _plans(project):
            if plan.title in have:
                continue
            starts = now + dt.timedelta(days=plan.start_days)
            made = notice_create(
                actor=author,
                project=project,
                title=plan.title,
                body=plan.body,
                category=plan.category,
                starts_at=starts,
                ends_at=now + dt.timedelta(days=plan.end_days) if plan.end_days else None,
                pinned=plan.pinned,
                now=min(starts, now) - dt.timedelta(hours=2),
            )
            if plan.publish:
                notice_publish(actor=author, notice=made, now=min(starts, now))
            created["notice"] += 1
    return created
