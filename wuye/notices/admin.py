from django.contrib import admin

from wuye.notices.models import Notice, NoticeEvent


class NoticeEventInline(admin.TabularInline[NoticeEvent, Notice]):
    model = NoticeEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "code", "from_state", "to_state", "note", "data")


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin[Notice]):
    list_display = ("title", "project", "category", "state", "pinned", "starts_at", "ends_at")
    list_filter = ("state", "category", "pinned")
    search_fields = ("title",)
    raw_id_fields = ("project", "created_by")
    inlines = [NoticeEventInline]
