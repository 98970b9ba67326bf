from django import template
from django.utils.safestring import mark_safe

from training.kept import Local

register = template.Library()


@register.simple_tag
def textbook_sections(chapter, section_filter: str = ""):
    """Sections of a chapter to quote in a lesson; no query, the chapter is already loaded."""
    if chapter is None:
        return []
    chapter = chapter.specific
    words = (section_filter or "").strip()
    return [
        block
        for block in chapter.body
        if block.block_type == "section" and (not words or words in block.value["title"])
    ]


# --- kept fragments ----------------------------------------------------------------------------

# Rendered fragments of course pages, per process (a template changes only with a new deployment,
# which starts new processes; a page change starts a new generation of courses.page_cache.PAGES).
_FRAGMENTS = Local(size=2048)


class KeptFragmentNode(template.Node):
    def __init__(self, nodelist, name: str, vary_on: list):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context) -> str:
        from django.utils.translation import get_language

        from courses.page_cache import PAGES
        from training.csrf_slot import CSRF_SLOT, request_csrf_token

        request = context.get("request")
        if request is None or getattr(request, "is_preview", False):  # a draft is never kept
            return self.nodelist.render(context)
        page = context.get("page")
        parts = [self.name, get_language() or "", request.get_host(), getattr(page, "cache_key", "")]
        parts += [repr(v.resolve(context)) for v in self.vary_on]

        def render() -> str:
            with context.push(csrf_token=CSRF_SLOT):
                return self.nodelist.render(context)

        html = PAGES.remember_here("fragment:" + "|".join(parts), render, local=_FRAGMENTS)
        if CSRF_SLOT in html:
            html = html.replace(CSRF_SLOT, request_csrf_token(context))
        return mark_safe(html)


@register.tag
def keptfragment(parser, token):
    """``{% keptfragment "name" value… %}…{% endkeptfragment %}``: the HTML inside, rendered once
    per process for each language, host, page revision and set of values (previews never), and
    kept until pages change (``courses.page_cache.PAGES``); the request's CSRF token is put in
    afresh each time.

    Everything inside that differs between people must be among the values: use it only where
    the values say all of it (a lesson's body, outline and buttons by the reader's progress)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("keptfragment needs a name")
    name = bits[1].strip("\"'")
    vary_on = [parser.compile_filter(b) for b in bits[2:]]
    nodelist = parser.parse(("endkeptfragment",))
    parser.delete_first_token()
    return KeptFragmentNode(nodelist, name, vary_on)
