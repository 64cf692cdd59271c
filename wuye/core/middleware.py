"""Request middleware of our own."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Chinese first: web pages speak ``LANGUAGE_CODE`` (zh-hans) until the user picks another
    language with the switcher (the language cookie); the browser's ``Accept-Language`` is not
    consulted there, so a browser set to English still opens the Chinese UI. API clients
    (``/api/``) negotiate with ``Accept-Language`` as usual."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            super().process_request(request)
            return
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
