"""Every API error is ``{"error": {"code", "message", "fields"}}``.

``code`` is stable for clients to branch on; ``message`` and the field messages are in the
request's language (``Accept-Language``; zh-hans by default). Handlers are registered on
the NinjaAPI in ``api.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from wuye.core.errors import Conflict, DomainError, PermissionDenied

if TYPE_CHECKING:
    from ninja import NinjaAPI

# An exception handler below; ``exc`` is the exception class it is registered for.
_Handler = Callable[["NinjaAPI", HttpRequest, Any], HttpResponse]

ALL = "__all__"

# Services name foreign keys by field (``building``); the API names them ``building_id``.
_API_FIELD_NAMES = {
    "building": "building_id",
    "project": "project_id",
    "user": "user_id",
    NON_FIELD_ERRORS: ALL,
}

# pydantic error type → our message (pydantic's own are English only).
_PYDANTIC_MESSAGES = {
    "missing": _("This field is required."),
    "extra_forbidden": _("This field is not accepted here."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "string_type": _("Enter text."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "date_parsing": _("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": _("Enter a valid date (YYYY-MM-DD)."),
    "date_type": _("Enter a valid date (YYYY-MM-DD)."),
    "enum": _("Select a valid choice."),
    "literal_error": _("Select a valid choice."),
    "greater_than_equal": _("Ensure this value is greater than or equal to %(ge)s."),
    "less_than_equal": _("Ensure this value is less than or equal to %(le)s."),
    "string_too_long": _("Ensure this value has at most %(max_length)s characters."),
    "string_too_short": _("Ensure this value has at least %(min_length)s characters."),
    "model_attributes_type": _("Send a JSON object."),
    "dict_type": _("Send a JSON object."),
}
_INVALID = _("Enter a valid value.")

# Parameter names used by the routers for the body and the query schema; they are not
# part of a field's name as a client sees it.
_WRAPPERS = {"payload", "filters"}
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def error_body(
    code: str, message: Any, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _respond(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: Any,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, fields), status=status)


def _add(fields: dict[str, list[str]], name: str, messages: Iterable[Any]) -> None:
    fields.setdefault(name, []).extend(str(m) for m in messages)


def _add_model_field(fields: dict[str, list[str]], name: str, messages: Iterable[Any]) -> None:
    _add(fields, _API_FIELD_NAMES.get(name, name), messages)


def _pydantic_field(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _WRAPPERS:
        parts = parts[1:]
    return ".".join(parts) or ALL


def _pydantic_message(error: dict[str, Any]) -> str:
    message = str(_PYDANTIC_MESSAGES.get(error.get("type", ""), _INVALID))
    try:
        return message % dict(error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return str(_INVALID)


def on_request_invalid(
    api: NinjaAPI, request: HttpRequest, exc: NinjaValidationError
) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        _add(fields, _pydantic_field(error.get("loc", ())), [_pydantic_message(error)])
    return _respond(
        api, request, 422, "validation_error", gettext("Some fields are not valid."), fields
    )


def _model_field(name: str, error: DjangoValidationError) -> str:
    """A clash with a unique constraint over several fields is reported on its last field
    (building + number → number), where a form would show it."""
    unique_check = (
        (error.params or {}).get("unique_check") if error.code == "unique_together" else None
    )
    return unique_check[-1] if name == NON_FIELD_ERRORS and unique_check else name


def on_model_invalid(
    api: NinjaAPI, request: HttpRequest, exc: DjangoValidationError
) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                _add_model_field(fields, _model_field(name, error), error.messages)
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
    else:
        _add_model_field(fields, ALL, exc.messages)
        codes = {e.code for e in exc.error_list}
    if codes and codes <= {"unique", "unique_together"}:
        # Nothing wrong with the input as such: it clashes with a record that exists.
        return _respond(
            api,
            request,
            409,
            "conflict",
            gettext("This conflicts with an existing record."),
            fields,
        )
    return _respond(
        api, request, 422, "validation_error", gettext("Some fields are not valid."), fields
    )


def on_domain_error(api: NinjaAPI, request: HttpRequest, exc: DomainError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    if exc.field:
        _add_model_field(fields, exc.field, [exc.message])
    if isinstance(exc, PermissionDenied):
        status = 403
    elif isinstance(exc, Conflict):
        status = 409
    else:
        status = 422
    code = exc.code if exc.code != DomainError.code else "validation_error"
    return _respond(api, request, status, code, exc.message, fields)


def on_not_found(api: NinjaAPI, request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(api, request, 404, "not_found", gettext("Not found."))


def on_not_authenticated(
    api: NinjaAPI, request: HttpRequest, exc: AuthenticationError
) -> HttpResponse:
    response = _respond(
        api,
        request,
        401,
        "not_authenticated",
        gettext("Send a valid API token (Authorization: Bearer …) or log in."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def on_http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403:  # ninja raises this for a failed CSRF check (session auth)
        return _respond(
            api,
            request,
            403,
            "csrf_failed",
            gettext("The CSRF check failed. Reload the page and try again."),
        )
    if exc.status_code == 400:  # ninja raises this when the body is not JSON
        return _respond(
            api,
            request,
            400,
            "malformed_request",
            gettext("The request body could not be read as JSON."),
        )
    return _respond(api, request, exc.status_code, "http_error", exc.message)


def register(api: NinjaAPI) -> None:
    handlers: dict[type[Exception], _Handler] = {
        NinjaValidationError: on_request_invalid,
        DjangoValidationError: on_model_invalid,
        DomainError: on_domain_error,
        Http404: on_not_found,
        AuthenticationError: on_not_authenticated,
        HttpError: on_http_error,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, _bind(api, handler))


def _bind(api: NinjaAPI, handler: _Handler) -> Callable[[HttpRequest, Any], HttpResponse]:
    def handle(request: HttpRequest, exc: Any) -> HttpResponse:
        return handler(api, request, exc)

    return handle
