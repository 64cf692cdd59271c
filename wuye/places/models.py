"""Places and people: company → project → building → unit; occupants and occupancies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.fields import EncryptedCharField
from wuye.core.masking import mask_id_number, mask_phone
from wuye.core.models import TimeStamped


class District(TimeStamped):
    """An administrative district (区) whose government runs community programmes."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Company(TimeStamped):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential community")
    OFFICE = "office", _("Office building")
    SALES_CENTRE = "sales_centre", _("Sales centre")
    OPEN_COMMUNITY = "open_community", _("Open community")


class FeeModel(models.TextChoices):
    FIXED = "fixed", _("Fixed price (lump sum)")
    COMMISSION = "commission", _("Commission")


class Project(TimeStamped):
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="projects", verbose_name=_("company")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("district"),
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=ProjectKind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    service_phone = models.CharField(_("24-hour service phone"), max_length=30, blank=True)
    fee_model = models.CharField(
        _("fee model"), max_length=20, choices=FeeModel.choices, default=FeeModel.FIXED
    )
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    business_start = models.TimeField(_("business hours start"), default=dt.time(8, 30))
    business_end = models.TimeField(_("business hours end"), default=dt.time(17, 30))
    # ISO weekdays (1 = Monday) that are working days before holidays are applied.
    business_weekdays = models.CharField(
        _("working weekdays"),
        max_length=7,
        default="12345",
        help_text=_("ISO weekday digits, 1 = Monday, e.g. 12345"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["company_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"], name="project_code_unique_per_company"
            ),
            models.CheckConstraint(
                condition=Q(business_start__lt=models.F("business_end")),
                name="project_business_hours_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.business_weekdays if c.isdigit())


class Building(TimeStamped):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=100)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["project_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="building_name_unique_per_project"
            )
        ]

    def __str__(self) -> str:
        return self.name


class UnitUse(models.TextChoices):
    RESIDENCE = "residence", _("Residence")
    VILLA = "villa", _("Villa")
    OFFICE = "office", _("Office")
    SHOP = "shop", _("Shop")
    PARKING = "parking", _("Parking space")
    STORAGE = "storage", _("Storage")
    OTHER = "other", _("Other")


class Unit(TimeStamped):
    # project is denormalised from building so that scoped lists filter and sort on one index.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="units", verbose_name=_("project")
    )
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("building")
    )
    number = models.CharField(_("number"), max_length=30)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    use = models.CharField(
        _("use"), max_length=20, choices=UnitUse.choices, default=UnitUse.RESIDENCE
    )
    building_area = models.DecimalField(
        _("building area (m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["project_id", "building_id", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"], name="unit_number_unique_per_building"
            )
        ]
        indexes = [
            models.Index(fields=["project", "building", "number", "id"], name="unit_project_order"),
            models.Index(fields=["project", "number"], name="unit_project_number"),
        ]

    def __str__(self) -> str:
        return self.number


class OccupantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Occupant(TimeStamped):
    """A person or organisation the project serves. Each project keeps its own customer file."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="occupants", verbose_name=_("project")
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=OccupantKind.choices, default=OccupantKind.PERSON
    )
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    # last four digits, indexed: the desk finds a caller by phone tail.
    mobile_tail = models.CharField(max_length=4, blank=True, editable=False)
    id_number = EncryptedCharField(_("ID card number"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="occupant_profiles",
        verbose_name=_("portal user"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("occupant")
        verbose_name_plural = _("occupants")
        ordering = ["project_id", "name", "id"]
        indexes = [
            models.Index(fields=["project", "mobile_tail"], name="occupant_phone_tail"),
            models.Index(fields=["project", "name"], name="occupant_project_name"),
            models.Index(fields=["project", "mobile"], name="occupant_project_mobile"),
            models.Index(fields=["project", "id_number_index"], name="occupant_project_idindex"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class Relation(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")
    CONTACT = "contact", _("Customer contact")


class Occupancy(TimeStamped):
    """Links an occupant to a unit for a period; ended rows are the unit's history."""

    occupant = models.ForeignKey(
        Occupant, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("occupant")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("unit")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        ordering = ["unit_id", "-start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["occupant", "unit", "relation"],
                condition=Q(end_date__isnull=True),
                name="occupancy_one_current_per_relation",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="occupancy_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["unit", "end_date"], name="occupancy_unit_current")]

    def __str__(self) -> str:
        return f"{self.occupant_id}@{self.unit_id} ({self.relation})"

    @property
    def is_current(self) -> bool:
        return self.end_date is None
