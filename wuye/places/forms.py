"""Form fields shared by the screens that pick places (console, import/export)."""

from __future__ import annotations

from django import forms

from wuye.places.models import Building


class BuildingChoiceField(forms.ModelChoiceField):
    """Buildings labelled with their project ("阳光新邸 · 1幢"): one list may span projects.

    The queryset must select or prefetch ``project``."""

    def label_from_instance(self, obj: Building) -> str:
        return f"{obj.project.name} · {obj.name}"
