"""Access cases of the ticket attachment files (``desk:attachment``).

The file of an attachment of the p1 ticket is served to staff in scope and to the resident
who reported it; the resident is the insider here (staff access is proven in
wuye/servicedesk/tests/test_attachments.py). Everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from tests.isolation_support import Case, p1_attachment, url


def _attachment(w: Any) -> int:
    attachment = p1_attachment(w)
    return attachment.pk


CASES: dict[str, Case] = {
    "desk:attachment": Case("object", url("desk:attachment", _attachment), insider="resident"),
}
