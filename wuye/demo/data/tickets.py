"""Service-desk demo data as plain data: categories, price list, teams and what people report.

Texts are the demo's content (Chinese, like the names and addresses of the demo world), not
user-interface strings. ``wuye.demo.tickets`` turns them into teams, price items and tickets.

Each report names a *topic*; the loader maps a topic to the project's category through
:data:`TOPIC_CATEGORIES` (the first code the project has), so the stories fit whatever
categories ``desk_install_defaults`` installs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: How many tickets each demo project gets over the last :data:`DAYS` days (besides the
#: tickets of the "now" scenes, rework and follow-up tickets).
VOLUME = {"sunshine": 110, "tower": 45, "meizhou": 20, "cuiyuan": 20}
DAYS = 90
SEED = 20260301

#: Topic → category codes to try, in order (the shipped defaults first, then the demo's own).
TOPIC_CATEGORIES: dict[str, tuple[str, ...]] = {
    "water": ("water", "plumbing"),
    "power": ("electricity", "power", "electric"),
    "doors": ("doors", "doors-locks", "locks"),
    "lift": ("lift", "lifts", "elevator"),
    "hvac": ("hvac", "air-conditioning", "electricity", "power"),
    "public": ("facilities", "public", "public-facilities", "other"),
    "cleaning": ("cleaning", "environment"),
    "greening": ("greening", "landscaping"),
    "noise": ("noise",),
    "parking": ("parking",),
    "security": ("security", "order"),
    "service": ("service", "attitude", "other"),
}

#: Categories the demo creates when the project has none (before the shipped defaults exist).
FALLBACK_CATEGORIES = (
    ("water", "给排水"),
    ("electricity", "电气照明"),
    ("doors", "门窗锁具"),
    ("lift", "电梯"),
    ("facilities", "公共设施"),
    ("cleaning", "环境卫生"),
    ("greening", "绿化"),
    ("noise", "噪音"),
    ("parking", "停车"),
    ("security", "安全秩序"),
    ("service", "服务态度"),
)


@dataclass(frozen=True)
class PriceLine:
    code: str
    name: str
    topic: str
    unit: str
    labour: Decimal
    material: Decimal
    note: str = ""


def _p(
    code: str, name: str, topic: str, unit: str, labour: str, material: str, note: str = ""
) -> PriceLine:
    return PriceLine(code, name, topic, unit, Decimal(labour), Decimal(material), note)


#: The published price list of paid home repairs and special services (labour and materials,
#: yuan; typical Hangzhou community prices).
PRICE_LIST = (
    _p("faucet", "更换水龙头", "water", "个", "30.00", "45.00", "普通单冷龙头，含安装"),
    _p("angle-valve", "更换角阀", "water", "个", "20.00", "25.00"),
    _p("hose", "更换进水软管", "water", "根", "10.00", "18.00"),
    _p("drain", "疏通下水道", "water", "次", "80.00", "0.00", "机器疏通，不含开凿"),
    _p("toilet-unclog", "疏通马桶", "water", "次", "80.00", "0.00"),
    _p("cistern-kit", "更换马桶水箱配件", "water", "套", "40.00", "65.00"),
    _p("lamp", "更换灯具", "power", "盏", "30.00", "0.00", "灯具由业主自备"),
    _p("socket", "更换开关插座面板", "power", "个", "15.00", "18.00"),
    _p("breaker", "更换空气开关", "power", "个", "30.00", "45.00"),
    _p("circuit", "户内电路检修", "power", "次", "60.00", "0.00"),
    _p("lock-core", "换锁芯", "doors", "个", "50.00", "120.00", "C级锁芯"),
    _p("hinge", "更换门窗合页", "doors", "个", "20.00", "15.00"),
    _p("door-adjust", "门窗调整", "doors", "扇", "40.00", "0.00"),
    _p("hood-clean", "油烟机清洗", "cleaning", "台", "120.00", "0.00"),
    _p("ac-clean", "挂式空调清洗", "cleaning", "台", "80.00", "0.00"),
    _p("deep-clean", "开荒保洁", "cleaning", "平方米", "6.00", "0.00", "按建筑面积"),
    _p("rack", "安装晾衣架", "public", "套", "60.00", "0.00", "晾衣架由业主自备"),
)


@dataclass(frozen=True)
class TeamPlan:
    name: str
    roles: tuple[str, ...]  # membership roles of the project whose users join
    topics: tuple[str, ...]  # skills
    zone: str = ""  # "" = the whole project; "south"/"north" = half of the buildings


TEAMS = (
    TeamPlan("维修班", ("engineering",), ("water", "power", "doors", "lift", "hvac", "public")),
    TeamPlan("保洁班", ("cleaning",), ("cleaning", "greening")),
    TeamPlan("秩序班", ("security",), ("noise", "parking", "security")),
)

# --- what people report --------------------------------------------------------------------

#: In-unit repairs (free: the property's responsibility or a small job) — (topic, text).
UNIT_REPAIRS = (
    ("water", "厨房水龙头关不紧，一直滴水"),
    ("water", "卫生间地漏返臭味，排水很慢"),
    ("water", "阳台洗衣机下水管接口漏水"),
    ("water", "马桶水箱一直进水停不下来"),
    ("water", "热水器进水角阀渗水"),
    ("water", "楼上渗水，卫生间吊顶有水渍"),
    ("power", "卫生间插座没电，空气开关合不上"),
    ("power", "客厅吸顶灯不亮，换了灯泡也不行"),
    ("power", "厨房一开电饭煲就跳闸"),
    ("doors", "入户门锁芯卡住，钥匙转不动"),
    ("doors", "卧室窗户合页松动，关不严"),
    ("doors", "阳台推拉门轨道卡滞"),
    ("hvac", "新风系统出风口噪音大"),
)
OFFICE_REPAIRS = (
    ("hvac", "办公室空调不制冷"),
    ("hvac", "会议室风机盘管滴水"),
    ("power", "办公区一排插座没电"),
    ("power", "办公室筒灯闪烁"),
    ("doors", "玻璃门地弹簧漏油，门关不上"),
    ("doors", "办公室门禁读卡器无反应"),
    ("water", "茶水间水槽下水堵塞"),
)

#: Public-area repairs — (topic, text, place); ``{b}`` is a building, ``{f}`` a floor.
PUBLIC_REPAIRS = (
    ("power", "楼道感应灯不亮", "{b}{f}楼楼道"),
    ("lift", "电梯运行时有异响", "{b}电梯"),
    ("lift", "电梯楼层按钮失灵", "{b}电梯"),
    ("doors", "单元门禁刷卡不开门", "{b}单元门"),
    ("water", "地下车库顶部渗水", "地下车库"),
    ("public", "小区路灯不亮", "中心花园"),
    ("public", "儿童游乐区滑梯螺丝松动", "儿童游乐区"),
    ("public", "雨水井盖松动，有响声", "{b}门前道路"),
    ("cleaning", "楼道堆放装修垃圾未清运", "{b}{f}楼楼道"),
    ("cleaning", "垃圾分类投放点有异味", "垃圾投放点"),
    ("greening", "绿化带树枝挡住窗户", "{b}北侧绿化带"),
    ("greening", "草坪杂草太多需要修剪", "中心花园"),
    ("security", "单元门闭门器坏了，门常开", "{b}单元门"),
    ("parking", "地库道闸抬杆不灵", "地下车库入口"),
)
OFFICE_PUBLIC_REPAIRS = (
    ("lift", "客梯到达楼层不平层", "{b}客梯"),
    ("cleaning", "卫生间洗手液没有及时补充", "{b}{f}楼卫生间"),
    ("power", "电梯厅照明不亮", "{b}{f}楼电梯厅"),
    ("water", "卫生间小便斗一直冲水", "{b}{f}楼卫生间"),
    ("parking", "地库车位线模糊", "地下车库"),
)

#: Urgent matters (calendar-time clocks) — (topic, kind, text, place).
URGENT = (
    ("water", "repair_unit", "厨房水管爆裂，水流到客厅", ""),
    ("water", "repair_public", "楼顶水箱溢水，顶层楼道积水", "{b}顶层"),
    ("power", "repair_public", "整层停电", "{b}{f}楼"),
    ("lift", "repair_public", "电梯困人，一名住户被困", "{b}电梯"),
    ("security", "repair_public", "楼道闻到燃气味", "{b}{f}楼楼道"),
)

#: Paid home repairs — (topic, text, [(price code, quantity)]).
HOME_REPAIRS = (
    ("water", "更换厨房水龙头", (("faucet", 1),)),
    ("water", "疏通卫生间下水道", (("drain", 1),)),
    ("water", "疏通马桶", (("toilet-unclog", 1),)),
    ("water", "更换马桶水箱配件", (("cistern-kit", 1),)),
    ("water", "更换角阀和进水软管", (("angle-valve", 2), ("hose", 2))),
    ("power", "更换客厅灯具（灯具业主自备）", (("lamp", 1),)),
    ("power", "更换开关插座面板", (("socket", 3),)),
    ("power", "空气开关老化，更换", (("breaker", 1),)),
    ("doors", "更换入户门锁芯", (("lock-core", 1),)),
    ("doors", "更换卧室门合页", (("hinge", 2),)),
)

#: Special services (专项特约服务) — (topic, text, [(price code, quantity)]).
SPECIAL_SERVICES = (
    ("cleaning", "油烟机清洗", (("hood-clean", 1),)),
    ("cleaning", "挂式空调清洗两台", (("ac-clean", 2),)),
    ("cleaning", "新房开荒保洁", (("deep-clean", 96),)),
    ("public", "阳台安装晾衣架", (("rack", 1),)),
)

COMPLAINTS = (
    ("noise", "楼上装修周末早上七点就开始电钻施工"),
    ("noise", "隔壁夜间狗叫扰民"),
    ("noise", "广场舞音乐声音太大"),
    ("parking", "固定车位被外来车辆占用"),
    ("parking", "消防通道长期有车停放无人管理"),
    ("cleaning", "楼道保洁不及时，垃圾两天没清"),
    ("service", "维修师傅上门迟到一个多小时"),
    ("service", "客服电话无人接听"),
    ("greening", "绿化打药没有提前通知"),
    ("security", "夜间巡逻不到位，电动车被盗"),
)
#: The category whose complaints rise sharply this month (the early warning of the reports).
RISING_TOPIC = "noise"
RISING_COMPLAINTS = (
    "楼上装修噪音超时，中午也在施工",
    "装修电钻声从早上八点持续到晚上",
    "邻居装修切割瓷砖噪音很大",
    "楼下商铺装修夜间施工",
    "楼上装修周日也在敲墙",
    "装修工人午休时间施工",
)

INQUIRIES = (
    "咨询物业费缴纳方式和发票开具",
    "咨询装修申请需要准备哪些材料",
    "咨询停车月卡办理",
    "咨询小区停水通知时间",
    "咨询门禁卡补办流程",
)
SUGGESTIONS = (
    "建议增加电动车充电桩",
    "建议在儿童游乐区加装遮阳棚",
    "建议延长会所开放时间",
)
PRAISES = (
    "表扬维修师傅服务热情，修得又快又好",
    "表扬保洁阿姨楼道打扫得很干净",
    "表扬秩序员帮忙搬运重物",
)

CANCEL_REASONS = (
    "业主已自行处理",
    "重复报修",
    "业主来电撤销",
    "联系不上报修人，现场无问题",
)
DECLINE_REASONS = ("业主认为费用偏高，自行找人维修", "业主决定暂不更换")
REOPEN_REASONS = ("修好后第二天又漏水", "问题没有彻底解决，又出现了", "同一位置再次故障")
PAUSE_PARTS_NOTES = ("配件需要订货", "等待厂家配件", "型号特殊，需要采购")
VISIT_COMMENTS_GOOD = ("师傅很专业", "处理及时，满意", "态度很好", "", "", "")
VISIT_COMMENTS_BAD = ("修完没多久又坏了", "上门太慢", "现场没有清理干净")
COMPLAINT_RESULTS = (
    "已与相关住户沟通，承诺按规定时间施工，秩序员加强巡查",
    "已安排专人处理并向业主说明情况",
    "已整改完毕，后续加强日常检查",
)
