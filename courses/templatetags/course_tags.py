from django import template

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
