"""Console forms: list filters and record edit forms."""

from wuye.console.forms.filters import (
    BuildingFilterForm,
    MembershipFilterForm,
    OccupantFilterForm,
    ProjectFilterForm,
    UnitFilterForm,
)
from wuye.console.forms.records import (
    BuildingForm,
    OccupancyEndForm,
    OccupancyStartForm,
    OccupantForm,
    ProjectForm,
    UnitForm,
)

__all__ = [
    "BuildingFilterForm",
    "MembershipFilterForm",
    "OccupantFilterForm",
    "ProjectFilterForm",
    "UnitFilterForm",
    "BuildingForm",
    "OccupancyEndForm",
    "OccupancyStartForm",
    "OccupantForm",
    "ProjectForm",
    "UnitForm",
]
