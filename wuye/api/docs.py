"""Interactive API docs that work without internet access.

ninja's default docs page loads Swagger UI from a CDN unless the ``ninja`` app is
installed. The installed ninja package ships Swagger UI in ``ninja/static/ninja/``; this
module serves those files from the API itself (``docs/assets/<name>``) so the docs page
needs neither a CDN nor ``collectstatic``, and its HTML references only this server.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.static import serve
from ninja import Router
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.svg", "favicon.png"}
)

router = Router(auth=None, tags=["docs"])


@router.get("/docs/assets/{name}", include_in_schema=False, url_name="docs-asset")
def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in ASSETS:
        raise Http404
    response = serve(request, name, document_root=str(ASSET_DIR))
    # The files change only when ninja is upgraded; a day of caching is plenty.
    patch_cache_control(response, public=True, max_age=86400)
    return response


class LocalSwagger(DocsBase):
    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI would otherwise fetch a validity badge from validator.swagger.io.
        "validatorUrl": None,
        "persistAuthorization": True,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        def asset(name: str) -> str:
            return reverse(f"{api.urls_namespace}:docs-asset", kwargs={**kwargs, "name": name})

        context = {
            "api": api,
            "swagger_settings": {**self.settings, "url": self.get_openapi_url(api, kwargs)},
            # Session-authenticated "Try it out" requests need the CSRF token.
            "add_csrf": any(getattr(auth, "csrf", False) for auth in _auths(api)),
            "assets": {name.replace("-", "_").replace(".", "_"): asset(name) for name in ASSETS},
        }
        return render(request, "api/docs.html", context)


def _auths(api: NinjaAPI) -> list[Any]:
    return list(api.auth) if isinstance(api.auth, list | tuple) else []
