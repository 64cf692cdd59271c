"""URL patterns (included by wuye.servicedesk.urls, namespace ``desk``)."""

from django.urls import URLPattern, path

from wuye.servicedesk.web import actions, desk, technician, ticket

urlpatterns: list[URLPattern] = [
    # the customer-service desk
    path("", desk.desk_home, name="home"),
    path("lookup/", desk.caller_lookup, name="lookup"),
    path("tickets/", desk.tickets, name="ticket-list"),
    path("pool/", desk.pool, name="pool"),
    path("visits/", desk.visit_queue, name="visits"),
    path("workload/", desk.workload_panel, name="workload"),
    path("tickets/<int:pk>/", ticket.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/phone/", ticket.reporter_reveal, name="ticket-reveal"),
    path("tickets/<int:pk>/do/<slug:action>/", actions.ticket_action, name="ticket-action"),
    # the technician's phone screens
    path("my/", technician.my_orders, name="my-orders"),
    path("my/pool/", technician.my_pool, name="my-pool"),
    path("my/tickets/<int:pk>/", technician.my_ticket, name="my-ticket"),
]

# --- S2: attachments ---
from django.urls import path  # noqa: E402

from wuye.servicedesk.web import files  # noqa: E402

urlpatterns += [
    path("files/<int:pk>/", files.attachment_view, name="attachment"),
]
