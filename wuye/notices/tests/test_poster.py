"""The printable A4 poster: a one-page PDF with the title, the body and a QR code."""

from __future__ import annotations

import re

import segno
from django.test import RequestFactory
from django.urls import reverse
from reportlab.pdfbase import pdfmetrics

from wuye.notices import poster

from .conftest import at


def _pdf_string(raw: bytes) -> str:
    """A PDF literal string (``\\ddd`` octal escapes, UTF-16 with BOM) as text."""
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash
            nxt = raw[i + 1 : i + 4]
            m = re.match(rb"[0-7]{1,3}", nxt)
            if m:
                out.append(int(m.group(), 8))
                i += 1 + len(m.group())
                continue
            out.append({ord("n"): 10, ord("r"): 13, ord("t"): 9}.get(raw[i + 1], raw[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    data = bytes(out)
    return data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1")


def _info(pdf: bytes, key: str) -> str:
    match = re.search(rb"/" + key.encode() + rb" \((.*?)(?<!\\)\)", pdf, re.S)
    assert match, key
    return _pdf_string(match.group(1))


def test_the_poster_is_one_a4_page_with_the_title(login, world, make_notice):
    notice = make_notice(title="阳光新邸3幢停水通知", ends_at=at(8), publish=True)
    response = login("desk").get(reverse("notices:poster", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    box = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert box
    width, height = float(box.group(1)), float(box.group(2))
    assert abs(width - 595.27) < 0.01 and abs(height - 841.89) < 0.01  # A4 in points
    assert _info(pdf, "Title") == "阳光新邸3幢停水通知"
    assert _info(pdf, "Subject") == f"http://testserver/portal/notices/{notice.pk}/"


def test_the_qr_payload_is_the_absolute_portal_url(world, make_notice, settings):
    settings.ALLOWED_HOSTS = ["wuye.example.cn"]
    notice = make_notice()
    request = RequestFactory().get("/console/", secure=True, HTTP_HOST="wuye.example.cn")
    assert (
        poster.poster_qr_payload(request, notice)
        == f"https://wuye.example.cn/portal/notices/{notice.pk}/"
    )


def test_the_qr_code_is_drawn_from_segnos_matrix_of_the_payload(world, make_notice, monkeypatch):
    notice = make_notice(body="第一段。\n\n第二段。")
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    drawn = []
    texts = []
    monkeypatch.setattr(poster, "draw_qr", lambda canvas, matrix, **kw: drawn.append(matrix))
    real = poster.Canvas.drawString
    monkeypatch.setattr(
        poster.Canvas,
        "drawString",
        lambda self, x, y, text, *a, **k: (texts.append(text), real(self, x, y, text, *a, **k)),
    )
    poster.poster_pdf(request, notice)
    expected = segno.make(f"http://testserver/portal/notices/{notice.pk}/", error="m").matrix
    assert [list(r) for r in drawn[0]] == [list(r) for r in expected]
    assert any("第一段。" in t for t in texts) and any("第二段。" in t for t in texts)
    assert any("0571-88880000" in t for t in texts)  # the 24-hour phone


def test_draw_qr_fills_one_square_per_dark_module():
    class Spy:
        def __init__(self):
            self.rects = []

        def setFillColorRGB(self, *args):  # noqa: N802 (reportlab's name)
            pass

        def rect(self, x, y, w, h, stroke, fill):
            self.rects.append((x, y, w, h))

    spy = Spy()
    matrix = [[1, 0], [0, 1]]
    poster.draw_qr(spy, matrix, x=0, y=0, size=20)  # type: ignore[arg-type]
    assert spy.rects == [(0, 10, 10, 10), (10, 0, 10, 10)]


def test_chinese_text_wraps_by_character():
    text = "因二次供水设备检修，" * 10
    width = pdfmetrics.stringWidth("中" * 12, poster.FONT, 13) + 0.1
    poster._font()
    lines = poster.wrap_text(text, width, size=13)
    assert all(pdfmetrics.stringWidth(line, poster.FONT, 13) <= width for line in lines)
    assert [len(line) for line in lines[:-1]] == [12] * (len(lines) - 1)
    assert "".join(lines) == text


def test_latin_words_stay_whole_and_newlines_break():
    poster._font()
    width = pdfmetrics.stringWidth("停水时间 9:00-17:00", poster.FONT, 13) + 0.1
    lines = poster.wrap_text("停水时间 9:00-17:00 请储水\n第二行", width, size=13)
    assert lines == ["停水时间 9:00-17:00", "请储水", "第二行"]
    long = "https://wuye.example.cn/" + "x" * 200
    assert "".join(poster.wrap_text(long, 100, size=13)) == long
