"""The printable A4 poster of a notice (PDF, reportlab).

Chinese text uses reportlab's built-in CID font ``STSong-Light`` (the PDF viewer supplies
the glyphs), so no font file ships with Wuye. The QR code is drawn from segno's module
matrix as filled squares: no image library is involved. It encodes the notice's page in the
resident portal (:func:`poster_qr_payload`); people who scan it without being signed in are
asked to sign in first and then land on the notice (see docs/notices.md).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import segno
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from wuye.notices.models import Notice, NoticeCategory

FONT = "STSong-Light"
MARGIN = 56.0  # points (about 20 mm)
QR_SIZE = 110.0  # points (about 39 mm): scannable from a metre away
QR_BOTTOM = MARGIN + 28.0  # leaves the quiet zone free above the caption
TITLE_SIZE = 28.0
BODY_SIZE = 15.0
BODY_LEADING = 25.0

_registered = False

#: Punctuation that must not begin a line (the line-breaking rule of Chinese typesetting).
NO_LINE_START = frozenset("，。、；：！？）》」』”’…%,.;:!?)]}")
#: A paragraph's first line is indented by two ideographic spaces, as Chinese notices are.
INDENT = "\u3000\u3000"


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def poster_qr_payload(request: HttpRequest, notice: Notice) -> str:
    """The absolute URL of the notice in the resident portal, as the request reached us."""
    return request.build_absolute_uri(reverse("portal:notice-detail", args=[notice.pk]))


def wrap_text(text: str, width: float, *, size: float, font: str = FONT) -> list[str]:
    """Lines of ``text`` that fit ``width`` points. Chinese has no spaces, so lines break
    between any two characters; a run of Latin letters or digits is kept whole when it fits a
    line. Newlines in ``text`` start new lines; an empty line stays empty."""
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = ""
        for token in _tokens(raw):
            candidate = line + token
            if pdfmetrics.stringWidth(candidate, font, size) <= width or (
                line and token in NO_LINE_START
            ):
                # A closing mark never starts a line: it hangs in the margin (标点悬挂).
                line = candidate
                continue
            if line:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line = token
            # a token wider than the line (a long URL): cut it by characters
            while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> Iterable[str]:
    """Characters one by one, except runs of ASCII letters/digits (kept as words, with the
    space before them)."""
    word = ""
    for char in text:
        if char.isascii() and (char.isalnum() or char in "-_./:%@"):
            word += char
            continue
        if word:
            yield word
            word = ""
        yield char
    if word:
        yield word


@dataclass(frozen=True)
class PosterContent:
    project_name: str
    title: str
    category: str
    paragraphs: Sequence[str]
    dates: str
    qr_payload: str
    footer: str


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M")


def poster_content(request: HttpRequest, notice: Notice) -> PosterContent:
    zone = ZoneInfo(notice.project.time_zone or "Asia/Shanghai")
    if notice.ends_at:
        dates = _("Valid from %(start)s to %(end)s") % {
            "start": _local(notice.starts_at, zone),
            "end": _local(notice.ends_at, zone),
        }
    else:
        dates = _("Valid from %(start)s") % {"start": _local(notice.starts_at, zone)}
    phone = notice.project.service_phone
    footer = (
        _("24-hour service phone: %(phone)s") % {"phone": phone}
        if phone
        else _("Scan the code to read this notice online.")
    )
    return PosterContent(
        project_name=notice.project.name,
        title=notice.title,
        category=str(NoticeCategory(notice.category).label),
        paragraphs=notice.paragraphs(),
        dates=dates,
        qr_payload=poster_qr_payload(request, notice),
        footer=footer,
    )


def draw_qr(
    canvas: Canvas, matrix: Sequence[Sequence[int]], *, x: float, y: float, size: float
) -> None:
    """Draw a QR module matrix (rows top to bottom; truthy = dark) as squares in the box
    whose lower-left corner is (``x``, ``y``)."""
    count = len(matrix)
    module = size / count
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(x + col_index * module, top, module, module, stroke=0, fill=1)


def draw_poster(canvas: Canvas, content: PosterContent) -> None:
    """One A4 page: project, category, title, body, dates, QR code and the service phone.
    Body text that does not fit the page ends with "…" (the QR code leads to the full text)."""
    font = _font()
    width, height = A4
    inner = width - 2 * MARGIN
    y = height - MARGIN

    canvas.setFont(font, 14)
    canvas.setFillColorRGB(0.06, 0.46, 0.43)
    canvas.drawString(MARGIN, y - 14, f"{content.project_name} · {content.category}")
    y -= 30
    canvas.setStrokeColorRGB(0.06, 0.46, 0.43)
    canvas.setLineWidth(2)
    canvas.line(MARGIN, y, width - MARGIN, y)
    y -= 18

    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, TITLE_SIZE)
    for line in wrap_text(content.title, inner, size=TITLE_SIZE, font=font):
        y -= TITLE_SIZE * 1.3
        canvas.drawCentredString(width / 2, y, line)
    y -= 20

    bottom = QR_BOTTOM + QR_SIZE + 24  # keep the QR block free
    canvas.setFont(font, BODY_SIZE)
    overflow = False
    for paragraph in content.paragraphs:
        for line in wrap_text(INDENT + paragraph, inner, size=BODY_SIZE, font=font):
            if y - BODY_LEADING < bottom:
                overflow = True
                break
            y -= BODY_LEADING
            canvas.drawString(MARGIN, y, line)
        if overflow:
            canvas.drawString(MARGIN, y - BODY_LEADING, "……")
            break
        y -= BODY_LEADING * 0.4

    # the foot: dates and phone on the left, the QR code on the right
    qr = segno.make(content.qr_payload, error="m")
    qr_x = width - MARGIN - QR_SIZE
    draw_qr(canvas, qr.matrix, x=qr_x, y=QR_BOTTOM, size=QR_SIZE)
    canvas.setFont(font, 10)
    # below the quiet zone (four modules of white around the code)
    canvas.drawCentredString(qr_x + QR_SIZE / 2, MARGIN, _("Scan to read online"))
    canvas.setFont(font, 12)
    text_width = qr_x - MARGIN - 24
    foot_y = QR_BOTTOM + QR_SIZE - 12
    for line in [
        *wrap_text(content.dates, text_width, size=12, font=font),
        *wrap_text(content.footer, text_width, size=12, font=font),
    ]:
        canvas.drawString(MARGIN, foot_y, line)
        foot_y -= 18


def poster_pdf(request: HttpRequest, notice: Notice) -> bytes:
    """The poster of ``notice`` as PDF bytes (one A4 page)."""
    content = poster_content(request, notice)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(content.title)
    canvas.setAuthor(content.project_name)
    canvas.setSubject(content.qr_payload)
    draw_poster(canvas, content)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
