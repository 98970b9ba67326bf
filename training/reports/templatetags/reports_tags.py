from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """A percentage for display: 45.5 → "45.5%", no data → "—"."""
    if value is None:
        return "—"
    return f"{value:g}%"


@register.filter
def num(value) -> str:
    """A number for display, no data → "—"."""
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)
