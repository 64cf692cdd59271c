"""Users, departments, roles and memberships; API tokens and one-time login codes."""

from __future__ import annotations

from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.masking import mask_phone
from wuye.core.models import TimeStamped
from wuye.core.phones import normalize_phone, validate_mobile


class User(AbstractUser):
    """Logs in by username or mobile number (see ``backends.UsernameOrMobileBackend``)."""

    mobile = models.CharField(_("mobile"), max_length=20, null=True, blank=True, unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        # Login by mobile looks up plain digits: store them that way, and NULL (not "") when
        # empty so that the unique constraint allows many users without a mobile.
        self.mobile = normalize_phone(self.mobile or "") or None
        if self.mobile:
            try:
                validate_mobile(self.mobile)
            except ValidationError as exc:
                raise ValidationError({"mobile": exc}) from exc

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile)


class Role(models.TextChoices):
    COMPANY_ADMIN = "company_admin", _("Company admin")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    ENGINEERING = "engineering", _("Engineering")
    SECURITY = "security", _("Security")
    CLEANING = "cleaning", _("Cleaning and greening")
    QUALITY = "quality", _("Quality and admin")
    RESIDENT = "resident", _("Resident")
    DISTRICT_SUPERVISOR = "district_supervisor", _("District supervisor")


# Roles held per project; the company admin holds a company, the district supervisor a
# district, and a resident is anyone linked to an occupant (no membership row).
PROJECT_ROLES = (
    Role.PROJECT_MANAGER,
    Role.CUSTOMER_SERVICE,
    Role.ENGINEERING,
    Role.SECURITY,
    Role.CLEANING,
    Role.QUALITY,
)


class Department(TimeStamped):
    company = models.ForeignKey(
        "places.Company",
        on_delete=models.CASCADE,
        related_name="departments",
        verbose_name=_("company"),
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["company_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="department_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    """User × scope × role. Scope is a project (project roles), a company (company admin)
    or a district (district supervisor); see the check constraint."""

    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    company = models.ForeignKey(
        "places.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("company"),
    )
    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("project"),
    )
    district = models.ForeignKey(
        "places.District",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("district"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(
                        role="company_admin",
                        company__isnull=False,
                        project__isnull=True,
                        district__isnull=True,
                    )
                    | Q(role="district_supervisor", district__isnull=False, project__isnull=True)
                    | Q(
                        role__in=[r.value for r in PROJECT_ROLES],
                        project__isnull=False,
                        district__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "project", "role"],
                condition=Q(project__isnull=False),
                name="membership_unique_project_role",
            ),
            models.UniqueConstraint(
                fields=["user", "company"],
                condition=Q(role="company_admin"),
                name="membership_unique_company_admin",
            ),
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="membership_user_active")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class ApiToken(TimeStamped):
    """Bearer token. Only a SHA-256 hash is stored; the token is shown once at creation."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class LoginCode(TimeStamped):
    """One-time login code for the resident portal. Stores a hash, expires, limits attempts."""

    mobile = models.CharField(_("mobile"), max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        ordering = ["-created_at"]
