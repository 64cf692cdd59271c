"""API routes (see docs/api.md)."""

from ninja import Router

router = Router(tags=["tickets"])
