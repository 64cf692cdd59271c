"""Per-company delivery configuration: provider accounts and their pre-approved templates,
the company's messaging policy (quiet hours, default channel order) and rate windows."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuye.core.fields import EncryptedCharField
from wuye.core.models import TimeStamped


def _callback_secret() -> str:
    return secrets.token_urlsafe(24)


class Provider(models.TextChoices):
    ALIYUN_SMS = "aliyun_sms", _("Aliyun SMS")
    TENCENT_SMS = "tencent_sms", _("Tencent Cloud SMS")
    HTTP_SMS = "http_sms", _("Generic HTTP SMS gateway")
    WECHAT_MP = "wechat_mp", _("WeChat official account")
    SMTP = "smtp", _("SMTP server")


# Which outbox channel each provider serves.
PROVIDER_CHANNEL = {
    Provider.ALIYUN_SMS: "sms",
    Provider.TENCENT_SMS: "sms",
    Provider.HTTP_SMS: "sms",
    Provider.WECHAT_MP: "wechat",
    Provider.SMTP: "email",
}


class ChannelAccount(TimeStamped):
    """A company's account with a provider (credentials, signature, rate limit). A company
    has at most one active account per channel; ``company`` empty = the site-wide default
    used by companies without their own."""

    company = models.ForeignKey(
        "places.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channel_accounts",
        verbose_name=_("company"),
    )
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    channel = models.CharField(_("channel"), max_length=20, editable=False)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    # AccessKeyId (Aliyun), SecretId (Tencent), AppID (WeChat), user name (SMTP, gateway).
    key_id = models.CharField(_("key id"), max_length=200, blank=True)
    secret = EncryptedCharField(_("secret"), blank=True)
    # SMS signature (签名), e.g. 万家物业; required by Chinese SMS providers.
    sign_name = models.CharField(_("SMS signature"), max_length=50, blank=True)
    # Provider specifics: endpoint, region, sdk_app_id (Tencent), host/port/from (SMTP) …
    config = models.JSONField(_("settings"), default=dict, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("rate limit per minute"), default=0, help_text=_("0 = no limit")
    )
    # Verifies the provider's status callbacks (token in the callback URL / HMAC key).
    callback_secret = models.CharField(
        _("callback secret"), max_length=100, default=_callback_secret
    )

    class Meta:
        verbose_name = _("provider account")
        verbose_name_plural = _("provider accounts")
        ordering = ["company_id", "channel", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "channel"],
                condition=Q(is_active=True, company__isnull=False),
                name="channel_account_one_active_per_company",
            ),
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(is_active=True, company__isnull=True),
                name="channel_account_one_active_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.channel = PROVIDER_CHANNEL.get(self.provider, "")  # type: ignore[call-overload]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ProviderTemplate(models.Model):
    """A template pre-approved by the provider (SMS template code, WeChat template id) for
    one event, with the variables it takes, in order (Tencent passes them by position)."""

    account = models.ForeignKey(
        ChannelAccount,
        on_delete=models.CASCADE,
        related_name="templates",
        verbose_name=_("provider account"),
    )
    event = models.CharField(_("event"), max_length=100)
    code = models.CharField(_("provider template code"), max_length=100)
    variables = models.JSONField(_("variables"), default=list, blank=True)

    class Meta:
        verbose_name = _("provider template")
        verbose_name_plural = _("provider templates")
        ordering = ["account_id", "event"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "event"], name="provider_template_event_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.code}"


DEFAULT_CHANNEL_ORDER = ["in_app", "sms", "email"]


class MessagingPolicy(TimeStamped):
    """A company's delivery rules. Without a row the defaults below apply."""

    company = models.OneToOneField(
        "places.Company",
        on_delete=models.CASCADE,
        related_name="messaging_policy",
        verbose_name=_("company"),
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=dt.time(21, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=dt.time(8, 0))
    # Channels held back during quiet hours (urgent messages are not).
    quiet_channels = models.JSONField(_("channels held in quiet hours"), default=list)
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    # Order tried for occupants without a preference of their own.
    default_channels = models.JSONField(_("default channel order"), default=list)

    class Meta:
        verbose_name = _("messaging policy")
        verbose_name_plural = _("messaging policies")

    def __str__(self) -> str:
        return str(self.company)


class RateWindow(models.Model):  # noqa: DJ008 (bookkeeping row, never shown)
    """Messages sent through one account in one minute; a conditional UPDATE takes a slot."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "window_start"], name="rate_window_unique")
        ]
