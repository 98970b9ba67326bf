"""The sweep's checks (tests/e2e/sweep.py) fire on what they look for, and on nothing else."""

import os

import pytest

from tests.e2e.conftest import CHROMIUM
from tests.e2e.sweep import NARROW, WIDE, Screen, Watcher, english_words, look

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")

CLEAN = """<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8"><title>我的证书</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>我的证书</h1><p>证书编号 RS2026011000005，可下载 PDF 或扫描二维码（QR）核验。</p>
<p>登录名 user12 · 会议链接 https://meeting.example.cn/j/1 · 文件 personal-data.html</p>
<p>按住 Ctrl 可多选。<code>WVGU NGCA XALR</code></p>
<form lang="en"><button type="submit">English</button></form></main></body></html>"""

FAULTY = """<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8"><title>我的证书</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>我的证书</h1>{# 页头注释
#}<p>Valid until 2027</p><div style="width:700px">宽表格</div><img src="data:,">
<script>console.error("证书加载失败")</script></main></body></html>"""


def test_english_words_are_found_but_names_formats_and_data_are_not():
    text = "证书编号 RS2026011000005 可导出 Excel、PDF；登录名 user12；第2页Next；Employment services；Skip to content"
    assert english_words([text], {"user12", "Employment services"}) == ["Next", "Skip", "to", "content"]


@pytest.mark.browser
@needs_chromium
def test_a_clean_chinese_screen_has_no_findings(chromium, axe):
    page = chromium.new_page(viewport=NARROW, locale="zh-CN")
    watcher = Watcher(page)
    page.set_content(CLEAN)
    screen = Screen("/", "menu")
    assert look(page, watcher, axe, screen, {"user12"}, narrow=True) == []
    page.set_viewport_size(WIDE)
    assert look(page, watcher, axe, screen, {"user12"}, narrow=False) == []
    page.close()


@pytest.mark.browser
@needs_chromium
def test_each_kind_of_fault_is_a_finding(chromium, axe):
    page = chromium.new_page(viewport=NARROW, locale="zh-CN")
    watcher = Watcher(page)
    page.set_content(FAULTY)
    findings = look(page, watcher, axe, Screen("/me/certificates/", "menu"), set(), narrow=True)
    page.close()
    kinds = sorted(f.split(":")[0] for f in findings)
    assert kinds == [
        "English in the Chinese UI",
        "axe critical image-alt",
        "console error",
        "raw template syntax in the text",
        "scrolls sideways",
    ], findings
    assert "English in the Chinese UI: Valid until" in findings
