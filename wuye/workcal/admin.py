"""Admin for the holiday table. Saves and deletes go through ``wuye.workcal.services`` so
that they are audited and refresh the working-calendar cache."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import DomainError
from wuye.workcal import calendar, services
from wuye.workcal.models import Holiday


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = Holiday.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> QuerySet[Holiday]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class HolidayImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "note"]
    list_filter = [YearFilter, "kind"]
    search_fields = ["name", "note"]
    ordering = ["-date"]
    change_list_template = "admin/workcal/holiday/change_list.html"

    @admin.display(description=_("weekday"))
    def weekday(self, obj: Holiday) -> str:
        return str(WEEKDAYS_ABBR[obj.date.weekday()])

    def save_model(
        self, request: HttpRequest, obj: Holiday, form: forms.ModelForm, change: bool
    ) -> None:
        fields = {name: form.cleaned_data[name] for name in ("date", "kind", "name", "note")}
        if change:
            stored = Holiday.objects.get(pk=obj.pk)
            services.holiday_update(actor=request.user, holiday=stored, **fields)
            obj.refresh_from_db()
        else:
            created = services.holiday_create(actor=request.user, **fields)
            obj.pk = created.pk
            obj.created_at, obj.updated_at = created.created_at, created.updated_at

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        services.holiday_delete(actor=request.user, holiday=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        for holiday in queryset:
            services.holiday_delete(actor=request.user, holiday=holiday)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        today = timezone.localdate()
        for year in (today.year, today.year + 1):
            if year_without_data(year):
                messages.warning(
                    request,
                    gettext(
                        "No public holidays are known for %(year)s: the chinese-calendar package does not cover it "
                        "and this table has no rows for it, so only each project's working weekdays apply. "
                        "Add the year's holidays and make-up working days here or import a CSV."
                    )
                    % {"year": year},
                )
        context = {
            "package_first": calendar.PACKAGE_FIRST_YEAR,
            "package_last": calendar.PACKAGE_LAST_YEAR,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def get_urls(self) -> list[Any]:
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="workcal_holiday_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = HolidayImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                rows = services.parse_holiday_csv(text)
                result = services.holidays_import(actor=request.user, rows=rows)
            except UnicodeDecodeError:
                form.add_error("file", gettext("The file is not UTF-8 text."))
            except DomainError as exc:
                form.add_error("file", str(exc.message))
            else:
                messages.success(
                    request,
                    gettext(
                        "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
                    )
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
                return HttpResponseRedirect(reverse("admin:workcal_holiday_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": gettext("Import public holidays"),
        }
        return TemplateResponse(request, "admin/workcal/holiday/import.html", context)


def year_without_data(year: int) -> bool:
    package, table = calendar.year_sources(year)
    return not package and not table
