"""The response checker used by every API test catches what it should."""

from __future__ import annotations

import pytest

from .conftest import openapi_validator

UNIT = {
    "id": 1,
    "project_id": 1,
    "building_id": 1,
    "building_name": "1幢",
    "number": "1-101",
    "floor": None,
    "use": "residence",
    "building_area": "89.50",
}


def errors(body, status=200, path="/api/v1/units"):
    return openapi_validator().errors("GET", path, status, body)


def test_a_documented_body_passes():
    assert errors({"items": [UNIT], "next_cursor": None}) == []
    assert errors({"error": {"code": "x", "message": "y", "fields": {"a": ["b"]}}}, 422) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"items": [{**UNIT, "secret": 1}], "next_cursor": None}, "not documented"),
        ({"items": [{**UNIT, "id": "1"}], "next_cursor": None}, "not of type"),
        ({"items": [{**UNIT, "use": "castle"}], "next_cursor": None}, "is not one of"),
        ({"items": [UNIT]}, "required property 'next_cursor'"),
        ({"items": [{**UNIT, "floor": True}], "next_cursor": None}, "matches 0"),
        ({"error": {"code": "x", "message": "y", "fields": {"a": "b"}}}, "not of type"),
    ],
)
def test_mismatches_are_reported(body, problem):
    assert any(problem in e for e in errors(body, 422 if "error" in body else 200))


def test_undocumented_statuses_and_paths_are_reported():
    assert "not documented" in errors({}, status=418)[0]
    with pytest.raises(AssertionError):
        errors({}, path="/api/v1/nowhere")
