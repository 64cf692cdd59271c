import pytest

from wuye.workcal import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Holiday rows of one test are rolled back; their cached rules must not leak.
    calendar.clear_cache()
    yield
    calendar.clear_cache()
