"""Portal access for occupants: the service desk links an occupant to a login (creating one
when needed) or removes the link. Both check the actor's right, run in one transaction and
leave audit records; personal data in them is masked.

An organisation occupant gets access too: the login is its contact person's, on the
occupant's mobile number, and is named after the contact person when one is recorded.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, require
from wuye.accounts.models import Membership, User
from wuye.audit.services import audit_record
from wuye.core.errors import Conflict, DomainError
from wuye.core.masking import mask_phone
from wuye.core.phones import normalize_phone, validate_mobile
from wuye.messaging.models import MessageChannel
from wuye.messaging.services import message_queue
from wuye.places.models import Occupant, OccupantKind

PORTAL_PATH = "/portal/"


def portal_path() -> str:
    """The portal's home path (``/portal/`` unless the URLconf mounts it elsewhere)."""
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return PORTAL_PATH


def _portal_mobile(occupant: Occupant) -> str:
    """The occupant's number if it can receive login codes, else a field error on ``mobile``."""
    mobile = normalize_phone(occupant.mobile)
    if not mobile:
        raise DomainError(
            _("This occupant has no mobile number. Add one before giving portal access."),
            field="mobile",
            code="mobile_required",
        )
    try:
        validate_mobile(mobile)
    except ValidationError:
        raise DomainError(
            _(
                "Portal sign-in needs a mainland mobile number that can receive SMS codes; "
                "this occupant's number is not one."
            ),
            field="mobile",
            code="mobile_not_mobile",
        ) from None
    return mobile


def _display_name(occupant: Occupant) -> str:
    if occupant.kind == OccupantKind.ORGANISATION and occupant.contact_name:
        return occupant.contact_name
    return occupant.name


def _free_username() -> str:
    """A random ``r-xxxxxxxx``. Not the mobile: usernames are shown in lists, the admin and
    the API, where phone numbers must stay masked. Residents sign in with the mobile."""
    while True:
        name = f"r-{secrets.token_hex(4)}"
        if not User.objects.filter(username=name).exists():
            return name


def _may_reactivate(user: User) -> bool:
    """A deactivated account is switched back on only if it was a plain resident login:
    the desk must not be able to revive a former staff member's or an admin's account."""
    if user.is_staff or user.is_superuser:
        return False
    return not Membership.objects.filter(user=user).exists()


def _resident_user(*, actor: Any, occupant: Occupant, mobile: str, now: dt.datetime) -> User:
    """The account with ``mobile`` (reactivated if it was a resident login that a revoke
    switched off), or a new one with an unusable password; new and reactivated accounts
    get their own audit record."""
    existing = User.objects.select_for_update().filter(mobile=mobile).first()
    if existing is not None:
        if existing.is_active:
            return existing
        if not _may_reactivate(existing):
            raise DomainError(
                _(
                    "The account with this mobile number is deactivated. "
                    "Ask an administrator to reactivate it."
                ),
                field="mobile",
                code="account_inactive",
            )
        existing.is_active = True
        existing.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="accounts.user.reactivated",
            instance=existing,
            project=occupant.project,
            changes={"is_active": [False, True]},
            now=now,
        )
        return existing
    user = User(
        username=_free_username(),
        mobile=mobile,
        display_name=_display_name(occupant),
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():  # savepoint: another desk may create the same login now
            user.save(force_insert=True)
    except IntegrityError:
        raced = User.objects.filter(mobile=mobile, is_active=True).first()
        if raced is None:
            raise
        return raced
    audit_record(
        actor=actor,
        action="accounts.user.created",
        instance=user,
        project=occupant.project,
        changes={"mobile": [None, mask_phone(mobile)]},
        now=now,
    )
    return user


def _welcome_text(occupant: Occupant, portal_url: str) -> str:
    return gettext(
        "%(project)s: you can now use the resident portal at %(url)s. "
        "To sign in, choose “SMS code”, enter this mobile number and type the code we text "
        "you. You can set a password on your profile page afterwards."
    ) % {"project": occupant.project.name, "url": portal_url}


@transaction.atomic
def occupant_portal_access_grant(
    *,
    actor: Any,
    occupant: Occupant,
    portal_url: str = "",
    now: dt.datetime | None = None,
) -> User:
    """Link ``occupant`` to a login for the resident portal and text them how to sign in.

    The login is the existing account with the occupant's mobile number (one person with
    units in several projects has one login) or a new one: a random username ``r-xxxxxxxx``, the
    occupant's name (an organisation's contact person) as display name, and an unusable
    password — the resident signs in with a one-time code and may set a password later.
    A welcome SMS is queued in the outbox, once per occupant and user (dedupe key).
    ``portal_url`` is the link put in the SMS (default: the portal's path).

    Raises ``Http404``/``PermissionDenied`` when the actor lacks ``MANAGE_OCCUPANTS`` in the
    occupant's project, ``DomainError`` on ``mobile`` when there is no usable mobile number
    or its account is a deactivated staff account, ``Conflict`` (``portal_access_exists``)
    when the occupant is already linked. Returns the linked user.
    """
    require(actor, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    now = now or timezone.now()
    # Lock and re-read: a second desk (or a double click) must see the first one's link.
    locked = Occupant.objects.select_for_update().select_related("project").get(pk=occupant.pk)
    if locked.user_id is not None:
        raise Conflict(_("This occupant already has portal access."), code="portal_access_exists")
    mobile = _portal_mobile(locked)
    user = _resident_user(actor=actor, occupant=locked, mobile=mobile, now=now)
    Occupant.objects.filter(pk=locked.pk).update(user=user, updated_at=now)
    occupant.user = user
    audit_record(
        actor=actor,
        action="accounts.portal_access.granted",
        instance=locked,
        changes={"user": [None, mask_phone(mobile)]},
        now=now,
    )
    message_queue(
        channel=MessageChannel.SMS,
        recipient=mobile,
        recipient_user=user,
        body=_welcome_text(locked, portal_url or portal_path()),
        event="accounts.portal_welcome",
        context={"project": locked.project.name, "portal_url": portal_url or portal_path()},
        project=locked.project,
        dedupe_key=f"portal-welcome:{locked.pk}:{user.pk}",
        now=now,
    )
    return user


@transaction.atomic
def occupant_portal_access_revoke(
    *, actor: Any, occupant: Occupant, now: dt.datetime | None = None
) -> User:
    """Remove the occupant's link to their portal login.

    The account stays. If it is now linked to no occupant and is nobody's staff account
    (no membership, not staff or superuser), it is deactivated so that it cannot sign in.

    Raises ``Http404``/``PermissionDenied`` as ``occupant_portal_access_grant`` does and
    ``Conflict`` (``no_portal_access``) when the occupant is not linked. Returns the user
    that was unlinked.
    """
    require(actor, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    now = now or timezone.now()
    locked = Occupant.objects.select_for_update().select_related("project").get(pk=occupant.pk)
    if locked.user_id is None:
        raise Conflict(_("This occupant has no portal access."), code="no_portal_access")
    user = User.objects.select_for_update().get(pk=locked.user_id)
    Occupant.objects.filter(pk=locked.pk).update(user=None, updated_at=now)
    occupant.user = None
    audit_record(
        actor=actor,
        action="accounts.portal_access.revoked",
        instance=locked,
        changes={"user": [mask_phone(user.mobile), None]},
        now=now,
    )
    orphan = (
        user.is_active
        and not user.is_staff
        and not user.is_superuser
        and not Occupant.objects.filter(user=user).exists()
        and not Membership.objects.filter(user=user).exists()
    )
    if orphan:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="accounts.user.deactivated",
            instance=user,
            project=locked.project,
            changes={"is_active": [True, False]},
            now=now,
        )
    return user
