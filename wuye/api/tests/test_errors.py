"""Errors are JSON with a stable code and messages in the caller's language."""

from __future__ import annotations

import pytest

from wuye.testing import factories as f


def error(response):
    return response.json()["error"]


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_missing_fields_are_reported_per_field_in_chinese_by_default(api_as, world):
    response = api_as("manager").post("/units", {"number": "1-102"})

    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["building_id"]
    assert chinese(body["message"])
    assert chinese(body["fields"]["building_id"][0])


def test_messages_follow_accept_language(api_as, world):
    response = api_as("manager", language="en").post("/units", {"number": "1-102"})

    assert error(response) == {
        "code": "validation_error",
        "message": "Some fields are not valid.",
        "fields": {"building_id": ["This field is required."]},
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "确保该值大于或等于0.01。"),
        ("en", "Ensure this value is greater than or equal to 0.01."),
    ],
)
def test_model_validation_errors_are_field_level_and_translated(api_as, world, language, message):
    response = api_as("manager", language=language).post(
        "/units", {"building_id": world.b1.pk, "number": "1-102", "building_area": "0"}
    )

    assert response.status_code == 422
    assert error(response)["fields"] == {"building_area": [message]}


def test_service_validation_errors_name_the_field(api_as, world):
    response = api_as("desk", language="en").post(
        "/occupants",
        {
            "project_id": world.p1.pk,
            "name": "王五",
            "mobile": "12",
            "id_number": "110101199003071235",
        },
    )

    assert response.status_code == 422
    assert error(response)["fields"] == {
        "mobile": ["Enter a phone number of 7 to 12 digits."],
        "id_number": ["The ID card number's check digit is wrong."],
    }


def test_type_errors_in_body_and_query(api_as, world):
    api = api_as("manager", language="en")

    body = api.post(
        "/units", {"building_id": "abc", "number": "1", "use": "castle", "colour": "red"}
    )
    assert error(body)["fields"] == {
        "building_id": ["Enter a whole number."],
        "use": ["Select a valid choice."],
        "colour": ["This field is not accepted here."],
    }
    query = api.get("/units", {"limit": 500, "project": "x"})
    assert error(query)["fields"] == {
        "limit": ["Ensure this value is less than or equal to 200."],
        "project": ["Enter a whole number."],
    }


def test_a_body_that_is_not_json_is_400(api_as, world):
    response = api_as("manager", language="en").post("/units", "{not json")

    assert response.status_code == 400
    assert error(response) == {
        "code": "malformed_request",
        "fields": {},
        "message": "The request body could not be read as JSON.",
    }


def test_a_clash_with_an_existing_record_is_409(api_as, world):
    response = api_as("manager", language="en").post(
        "/units", {"building_id": world.b1.pk, "number": "1-101"}
    )

    assert response.status_code == 409
    assert error(response)["code"] == "conflict"
    assert list(error(response)["fields"]) == ["number"]


def test_not_found_is_translated(api_as, world):
    body = error(api_as("manager").get("/units/999999"))
    assert (body["code"], body["fields"], chinese(body["message"])) == ("not_found", {}, True)
    assert error(api_as("manager", language="en").get("/units/999999"))["message"] == "Not found."


def test_permission_denied_is_403_with_message(api_as, world):
    response = api_as("tech", language="en").patch(f"/units/{world.u1.pk}", {"floor": 3})

    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert error(response)["message"]


def test_unauthenticated_message_is_translated(anon_api, world):
    assert chinese(error(anon_api.get("/units"))["message"])


def test_invalid_cursor_is_a_field_error(api_as, world):
    f.UnitFactory(building=world.b1, number="1-102")
    api = api_as("manager", language="en")

    for cursor in ["garbage!", "WzFd", "WyJhIiwiYiIsImMiLCJkIl0"]:  # junk, [1], ["a","b","c","d"]
        response = api.get("/units", {"cursor": cursor})
        assert response.status_code == 422, cursor
        assert error(response)["code"] == "invalid_cursor"
        assert list(error(response)["fields"]) == ["cursor"]
