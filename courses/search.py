"""Chinese-aware search helpers (中文检索), pure functions.

Chinese is written without spaces, so a full-text engine (SQLite FTS5, PostgreSQL tsvector) sees
a whole clause as one "word" and cannot find a phrase inside it. We index every run of CJK
characters as overlapping character bigrams ("失业保险金" → "失业 业保 保险 险金") and search the
query's bigrams with AND: any phrase of two or more characters is then found on both databases,
ranked by the engine, without a dictionary to keep up to date.
"""

from __future__ import annotations

import html
import re

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")
MAX_QUERY_CHARS = 60


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_bigrams(text: str) -> str:
    """The text as space-separated tokens: CJK runs as bigrams, Latin words and numbers as they are."""
    tokens: list[str] = []
    for match in WORD.finditer(text or ""):
        word = match.group()
        if CJK_RUN.fullmatch(word):
            tokens.extend(_bigrams(word))
        else:
            tokens.append(word.lower())
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The phrases a user typed (split on spaces and punctuation), trimmed to a sane length."""
    return [m.group() for m in WORD.finditer((query or "")[:MAX_QUERY_CHARS])]


def query_bigrams(query: str) -> str:
    """The query in the same token form as the index."""
    return cjk_bigrams(" ".join(query_terms(query)))


def highlight(text: str, query: str, *, width: int = 80) -> str:
    """An HTML-escaped excerpt of ``text`` around the first match of any query phrase, each match
    wrapped in <mark>. Falls back to the start of the text when no phrase occurs literally."""
    terms = sorted({t for t in query_terms(query) if t}, key=len, reverse=True)
    text = " ".join((text or "").split())
    if not text:
        return ""
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - width // 2) if match else 0
    excerpt = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    if pattern is None:
        return prefix + html.escape(excerpt) + suffix
    out, last = [], 0
    for m in pattern.finditer(excerpt):
        out.append(html.escape(excerpt[last : m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        last = m.end()
    out.append(html.escape(excerpt[last:]))
    return prefix + "".join(out) + suffix
