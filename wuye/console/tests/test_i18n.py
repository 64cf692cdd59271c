"""The console speaks Chinese by default and English after the language switch."""

from __future__ import annotations

from django.urls import reverse


def test_console_is_chinese_by_default(login):
    content = login("desk").get(reverse("console:dashboard")).content.decode()
    assert "工作台" in content
    assert "房屋" in content
    assert 'lang="zh-hans"' in content


def test_language_switch_turns_the_console_english(login):
    client = login("desk")
    # when the user picks English in the language selector
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("console:unit-list")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:unit-list")
    # then pages come in English, model labels included
    content = client.get(reverse("console:unit-list")).content.decode()
    assert 'lang="en"' in content
    assert "Dashboard" in content
    assert "Current occupants" in content
    assert "Residence" in content
    assert "工作台" not in content
    # and switching back restores Chinese
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert "工作台" in client.get(reverse("console:dashboard")).content.decode()


def test_model_choices_and_errors_are_translated(login, world):
    response = login("manager").post(
        reverse("console:building-create"), {"project": world.p1.pk, "name": ""}
    )
    content = response.content.decode()
    assert "此字段为必填项" in content  # Django's own catalogue
    assert "新增楼栋" in content


def test_layout_offers_both_languages(login):
    content = login("desk").get(reverse("console:dashboard")).content.decode()
    assert 'value="en"' in content
    assert "简体中文" in content
