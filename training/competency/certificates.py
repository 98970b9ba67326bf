"""Certificate PDFs (证书): one landscape A4 page with the holder's name, area, level, number, dates
and a QR code to the public verification page.

reportlab draws the page; segno encodes the QR code, which is drawn as one filled path of its dark
modules (reportlab's own QR widget builds a shape object per module and encodes twice, which made
the QR code most of a certificate's cost; figures in bench/RESULTS.md). The Chinese text uses the
Adobe-GB1 CID font STSong-Light, which PDF readers supply, so no font file has to ship with the product.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
RED = HexColor("#b3261e")


@dataclass(frozen=True)
class CertificateText:
    holder: str
    unit: str
    area: str
    level: str
    number: str
    issued_on: str
    expires_on: str
    verify_url: str
    issuer: str = "基层人社学堂"


def draw_certificate(pdf: canvas.Canvas, text: CertificateText) -> None:
    """Draw one certificate on the current page of ``pdf`` and end the page."""
    width, height = landscape(A4)
    pdf.setStrokeColor(RED)
    pdf.setLineWidth(6)
    pdf.rect(28, 28, width - 56, height - 56)
    pdf.setLineWidth(1)
    pdf.rect(40, 40, width - 80, height - 80)
    pdf.setFillColor(RED)
    pdf.setFont(FONT, 34)
    pdf.drawCentredString(width / 2, height - 120, "资格证书")
    pdf.setFillColor(HexColor("#1f2933"))
    pdf.setFont(FONT, 18)
    lines = [
        f"持证人：{text.holder}",
        f"所在单位：{text.unit}",
        f"业务领域：{text.area}",
        f"等级：{text.level}",
        f"证书编号：{text.number}",
        f"发证日期：{text.issued_on}    有效期至：{text.expires_on}",
    ]
    y = height - 190
    for line in lines:
        pdf.drawString(110, y, line)
        y -= 38
    pdf.setFont(FONT, 12)
    pdf.drawString(110, 70, f"发证单位：{text.issuer}    扫描二维码核验证书真伪")
    draw_qr(pdf, text.verify_url, x=width - 240, y=60, size=130)
    pdf.showPage()


def draw_qr(pdf: canvas.Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """A QR code (error correction M, quiet zone of 4 modules) with its lower left corner at x, y."""
    matrix = segno.make_qr(data, error="m").matrix
    modules = len(matrix) + 8
    step = size / modules
    path = pdf.beginPath()
    top = y + size - 4 * step
    for row_index, row in enumerate(matrix):
        row_y = top - (row_index + 1) * step
        col = 0
        while col < len(row):
            if row[col]:
                run = col
                while run < len(row) and row[run]:
                    run += 1
                # One rectangle per run of dark modules in a row keeps the path short.
                path.rect(x + (4 + col) * step, row_y, (run - col) * step, step)
                col = run
            else:
                col += 1
    pdf.setFillColor(HexColor("#000000"))
    pdf.drawPath(path, stroke=0, fill=1)


def certificates_pdf(texts: list[CertificateText]) -> bytes:
    """One PDF with a page per certificate."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=landscape(A4), pageCompression=1)
    pdf.setTitle("资格证书")
    for text in texts:
        draw_certificate(pdf, text)
    pdf.save()
    return out.getvalue()
