"""Return visits, the price list and charges, attachments."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.models import TimeStamped
from wuye.dataio.storage import private_storage
from wuye.servicedesk.models.tickets import Category, ReturnVisitOutcome, Ticket

# --- return visits ---------------------------------------------------------------------------


class ReturnVisitMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("In person")
    PORTAL = "portal", _("Resident portal")


class FollowUp(models.TextChoices):
    NONE = "", _("None")
    REWORK = "rework", _("Reopened as rework")
    COMPLAINT = "complaint", _("Complaint raised")


class ReturnVisit(models.Model):
    """One return-visit attempt (回访): outcome, rating, comment, what followed."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="return_visits", verbose_name=_("ticket")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    method = models.CharField(
        _("method"), max_length=10, choices=ReturnVisitMethod.choices, default="phone"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReturnVisitOutcome.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), blank=True)
    follow_up = models.CharField(
        _("follow-up"), max_length=10, choices=FollowUp.choices, default="", blank=True
    )
    follow_up_ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up ticket"),
    )

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["ticket_id", "at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="return_visit_ticket_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="return_visit_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.outcome}"


# --- paid services ---------------------------------------------------------------------------


class PriceItem(TimeStamped):
    """One line of a project's published price list (labour and materials)."""

    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="price_items",
        verbose_name=_("project"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="price_items",
        verbose_name=_("category"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit of measure"), max_length=20, default="次")
    labour_price = models.DecimalField(
        _("labour price"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    material_price = models.DecimalField(
        _("material price"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    active = models.BooleanField(_("published"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("price-list item")
        verbose_name_plural = _("price list")
        ordering = ["project_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="price_item_code_unique"),
            models.CheckConstraint(
                condition=Q(labour_price__gte=0) & Q(material_price__gte=0),
                name="price_item_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Decimal:
        return self.labour_price + self.material_price


class ChargeKind(models.TextChoices):
    LABOUR = "labour", _("Labour")
    MATERIAL = "material", _("Material")
    OTHER = "other", _("Other")


class TicketCharge(models.Model):
    """One line of the fee a technician proposes (or of the materials used).

    ``list_price`` snapshots the price list at the time (per unit; ``None`` for a line not on
    the list); ``unit_price`` is what is charged. ``chargeable=False`` lines record materials
    used on a free repair.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="charges", verbose_name=_("ticket")
    )
    price_item = models.ForeignKey(
        PriceItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        verbose_name=_("price-list item"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChargeKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, default=Decimal("1.00")
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    list_price = models.DecimalField(
        _("list price"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    chargeable = models.BooleanField(_("chargeable"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ticket charge")
        verbose_name_plural = _("ticket charges")
        ordering = ["ticket_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(unit_price__gte=0),
                name="ticket_charge_positive",
            )
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- attachments -----------------------------------------------------------------------------


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGNATURE = "signature", _("Customer signature")
    FILE = "file", _("File")


class AttachmentStage(models.TextChoices):
    REPORT = "report", _("When reported")
    WORK = "work", _("During work")
    COMPLETION = "completion", _("On completion")
    OTHER = "other", _("Other")


def _attachment_path(instance: TicketAttachment, filename: str) -> str:
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"servicedesk/{instance.ticket_id}/{uuid.uuid4().hex}.{ext}"


class TicketAttachment(models.Model):
    """A photo, the customer's signature or a file of a ticket, in the private storage
    (never under a public URL: served by a scoped view)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=AttachmentStage.choices, default=AttachmentStage.REPORT
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, storage=private_storage)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        ordering = ["ticket_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.name
