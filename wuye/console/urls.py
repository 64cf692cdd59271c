from django.urls import path

from wuye.console.views import buildings, dashboard, occupants, projects, staff, units

app_name = "console"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("switch-project/", dashboard.switch_project, name="switch-project"),
    # projects
    path("projects/", projects.project_list, name="project-list"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    # buildings
    path("buildings/", buildings.building_list, name="building-list"),
    path("buildings/new/", buildings.building_create_view, name="building-create"),
    path("buildings/<int:pk>/edit/", buildings.building_edit, name="building-edit"),
    # units
    path("units/", units.unit_list, name="unit-list"),
    path("units/new/", units.unit_create_view, name="unit-create"),
    path("units/<int:pk>/", units.unit_detail, name="unit-detail"),
    path("units/<int:pk>/edit/", units.unit_edit, name="unit-edit"),
    path("units/<int:pk>/occupancies/", units.occupancy_start_view, name="occupancy-start"),
    path(
        "units/<int:pk>/occupancies/<int:occupancy_pk>/end/",
        units.occupancy_end_view,
        name="occupancy-end",
    ),
    # occupants
    path("occupants/", occupants.occupant_list, name="occupant-list"),
    path("occupants/new/", occupants.occupant_create_view, name="occupant-create"),
    path("occupants/<int:pk>/", occupants.occupant_detail, name="occupant-detail"),
    path("occupants/<int:pk>/edit/", occupants.occupant_edit, name="occupant-edit"),
    path("occupants/<int:pk>/reveal/", occupants.occupant_reveal, name="occupant-reveal"),
    path(
        "occupants/<int:pk>/portal/grant/",
        occupants.occupant_portal_grant,
        name="occupant-portal-grant",
    ),
    path(
        "occupants/<int:pk>/portal/revoke/",
        occupants.occupant_portal_revoke,
        name="occupant-portal-revoke",
    ),
    # staff
    path("staff/", staff.staff_list, name="staff-list"),
    path("staff/new/", staff.staff_create, name="staff-create"),
    path("staff/<int:pk>/deactivate/", staff.staff_deactivate, name="staff-deactivate"),
]
