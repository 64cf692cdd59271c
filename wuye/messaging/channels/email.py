"""E-mail through Django's configured mail backend (SMTP in production)."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.validators import validate_email

from wuye.messaging import rendering
from wuye.messaging.channels.base import Channel, DeliveryResult, PermanentFailure, TemporaryFailure

if TYPE_CHECKING:
    from wuye.messaging.models import Message


class EmailChannel(Channel):
    name = "email"

    def send(self, message: Message) -> DeliveryResult:
        try:
            validate_email(message.recipient)
        except ValidationError as exc:
            raise PermanentFailure(f"invalid e-mail address {message.recipient!r}") from exc
        message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
        )
        html = rendering.render_html(message)
        if html:
            email.attach_alternative(html, "text/html")
        try:
            email.send(fail_silently=False)
        except (BadHeaderError, smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, 4xx replies: the server may accept it later.
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        return DeliveryResult(provider_id=message_id)
