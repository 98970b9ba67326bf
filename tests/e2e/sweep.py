"""The checks of the sweep (tests/e2e/test_sweep.py): what is looked at on every screen, and how.

One screen at one width gives a list of findings (empty: it passes). What counts as a finding:

- a response of 500 or more, for the page or for anything it loads;
- a console error or an uncaught exception;
- raw template syntax (``{#``, ``{%``, ``{{``) in the visible text;
- sideways scrolling at 360 px (front-end pages: Wagtail's admin is not ours to lay out);
- an English word in the Chinese UI that is not on the allow-list below;
- a serious or critical axe-core violation of WCAG 2.1 A/AA (what GB/T 37668 信息无障碍 asks of
  public-service sites).

axe-core is vendored (tests/e2e/vendor/README.md) and its checksum checked before it is used.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_DIR = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}"
# sha256 of axe.min.js as it is in the npm tarball whose sha512 vendor/README.md records.
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}

NARROW = {"width": 360, "height": 780}
WIDE = {"width": 1280, "height": 900}

# Latin words a Chinese screen may show. Kept small on purpose: each entry is a name or a format
# that Chinese users read as it is, never an English sentence the product forgot to translate.
# Compared without case ("pdf" in a file name is the format too).
ALLOWED_WORDS = {
    # file formats, named on buttons and in help texts (GIFT, Aiken, Moodle XML: question formats)
    "PDF", "EXCEL", "XLSX", "CSV", "JSON", "HTML", "ZIP", "GIFT", "AIKEN", "MOODLE", "XML",
    # acronyms used as they are in Chinese
    "ID", "QR", "API", "URL",
    # proper names: the authoring tool, the authenticator apps the 2FA page names
    "WAGTAIL", "MICROSOFT", "GOOGLE", "AUTHENTICATOR",
    # a key on the keyboard ("按住 Ctrl 可多选")
    "CTRL",
    # the pinyin weak password the password rules quote ("不能包含 123456、woaini 等常见弱口令")
    "WOAINI",
}  # fmt: skip
# Data, not words: web and mail addresses (a live session's meeting link), file names
# ("personal-data.html"), and anything with a digit in it (a certificate number RS2026…, a login).
_DATA = re.compile(
    r"\bhttps?://\S+"
    r"|\b[\w.+-]+@[\w-]+(\.[\w-]+)+"
    r"|\b[\w-]+(\.[\w-]+)*\.(cn|com|org|net|html|json|pdf|xlsx|csv|zip|txt|xml)\b"
    r"|\b\w*\d\w*\b",
    re.ASCII,  # \w and \b of Latin letters and digits only: "第2页Next" keeps its "Next"
)
_WORD = re.compile(r"[A-Za-z]{2,}")
_TEMPLATE = re.compile(r"\{[#%{]")


def axe_source() -> str:
    """axe-core's browser build, after checking that it is the file the README names."""
    data = (AXE_DIR / "axe.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"{AXE_DIR}/axe.min.js is not the vendored axe-core ({digest})"
    return data.decode("utf-8")


def english_words(texts: list[str], latin_data: set[str]) -> list[str]:
    """The Latin words in ``texts`` that a Chinese screen should not show: not on the allow-list,
    not data (an address, a file name, an identifier, or a Latin value the world's data holds,
    such as a login or a business area's English name)."""
    phrases = sorted(latin_data, key=len, reverse=True)
    data = (
        re.compile(r"(?<!\w)(" + "|".join(map(re.escape, phrases)) + r")(?!\w)", re.ASCII)
        if phrases
        else None
    )
    found: list[str] = []
    for text in texts:
        text = _DATA.sub(" ", data.sub(" ", text) if data else text)
        found += [w for w in _WORD.findall(text) if w.upper() not in ALLOWED_WORDS]
    return found


# Visible text nodes (and visible placeholders and button values) that are in Chinese: text
# inside an element marked with another language (the language switch's "English") is left out,
# and so is machine text marked as such (<code>, <kbd>, <samp>: a TOTP key, an audit action).
ZH_TEXT_JS = """() => {
  const out = [];
  const inOtherLanguage = (el) => {
    const marked = el.closest('[lang]');
    const lang = marked ? marked.getAttribute('lang').toLowerCase() : '';
    return lang !== '' && !lang.startsWith('zh');
  };
  const visible = (el) => el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !/[A-Za-z]{2}/.test(n.data) || el.closest('script,style,template,noscript,code,kbd,samp')) continue;
    if (inOtherLanguage(el) || !visible(el)) continue;
    out.push(n.data.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], input[type=submit], input[type=button]')) {
    const text = el.getAttribute('placeholder') || el.value || '';
    if (/[A-Za-z]{2}/.test(text) && !inOtherLanguage(el) && visible(el)) out.push(text);
  }
  return out;
}"""

# Wider than the window: the outermost elements that stick out (not those inside a scroller of
# their own), so the finding says where to look.
OVERFLOW_JS = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  if (root.scrollWidth <= limit) return null;
  const scrolls = (el) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].slice(0, 2).map(c => '.' + c).join('');
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getBoundingClientRect().right <= limit + 1) continue;
    let parent = el.parentElement, inside = false;
    for (let p = parent; p && p !== document.body; p = p.parentElement) if (scrolls(p)) { inside = true; break; }
    if (inside || (parent && parent !== document.body && parent.getBoundingClientRect().right > limit + 1)) continue;
    const path = [];
    for (let p = el; p && p !== document.body && path.length < 4; p = p.parentElement) path.unshift(name(p));
    culprits.push(path.join(' > ') + ' (' + Math.round(el.getBoundingClientRect().right) + 'px)');
    if (culprits.length === 3) break;
  }
  return {scrollWidth: root.scrollWidth, width: limit, culprits};
}"""

# Frames are left out: ours is injected in the top document only (a frame without it would only
# make axe wait for an answer).
AXE_RUN_JS = """(tags) => axe.run(document, {
  runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], iframes: false,
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
  targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
})))"""


@dataclass
class Screen:
    """One URL to look at, and what kind of screen it is."""

    url: str  # path and query, from the site root
    source: str  # why it is swept: "menu", "page type ExamPage", "admin menu", ...
    admin: bool = False


@dataclass
class Watcher:
    """What the browser reports while a screen loads: console errors, uncaught exceptions and
    5xx responses (of the page or of anything it fetches)."""

    page: object
    events: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.events.append(f"uncaught exception: {error}"))
        self.page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.events.append(f"console error: {message.text}" + (f" ({where})" if where else ""))

    def _response(self, response):
        if response.status >= 500:
            self.events.append(f"HTTP {response.status} for {response.url}")

    def take(self) -> list[str]:
        events, self.events = self.events, []
        return events


def look(
    page, watcher: Watcher, axe: str, screen: Screen, latin_data: set[str], *, narrow: bool
) -> list[str]:
    """Every finding on the screen now shown in ``page``."""
    findings = watcher.take()
    text = page.evaluate("() => document.body ? document.body.innerText : ''")
    for line in text.splitlines():
        if _TEMPLATE.search(line):
            findings.append(f"raw template syntax in the text: {line.strip()[:120]!r}")
    if narrow and not screen.admin:
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow:
            findings.append(
                f"scrolls sideways: {overflow['scrollWidth']}px wide in a {overflow['width']}px window; "
                f"sticking out: {', '.join(overflow['culprits']) or '?'}"
            )
    words = english_words(page.evaluate(ZH_TEXT_JS), latin_data)
    if words:
        unique = list(dict.fromkeys(words))
        findings.append(
            f"English in the Chinese UI: {' '.join(unique[:40])}" + (" …" if len(unique) > 40 else "")
        )
    # Wagtail's admin bundles an axe-core of its own (its accessibility checker) and may expose
    # it: ours replaces it, so every screen is judged by the same pinned rules.
    if page.evaluate("() => window.axe && window.axe.version") != AXE_VERSION:
        page.evaluate(axe + "\n;undefined")
        assert page.evaluate("() => window.axe.version") == AXE_VERSION
    for v in page.evaluate(AXE_RUN_JS, AXE_TAGS):
        if v["impact"] in SERIOUS:
            findings.append(
                f"axe {v['impact']} {v['id']}: {v['help']} — {v['nodes']}× e.g. {'; '.join(v['targets'])}"
            )
    findings += watcher.take()  # anything the checks themselves made the page report
    return findings
