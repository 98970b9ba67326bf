"""Snippet choosers whose button texts follow the reader's language.

Wagtail builds a snippet's chooser widget once per process, when the snippet is registered, and
formats "Choose %(object)s" there and then; the buttons then stay in the language of start-up
(English: "Choose business area"). These are formatted each time the widget is rendered.
"""

from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext_lazy as _

from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.widgets import AdminSnippetChooser


def _format(text, name) -> str:
    return str(text) % {"object": name}


_format_lazy = lazy(_format, str)


class LocalizedSnippetChooser(AdminSnippetChooser):
    def __init__(self, model, **kwargs):
        super().__init__(model, **kwargs)
        name = model._meta.verbose_name
        self.choose_one_text = _format_lazy(_("Choose %(object)s"), name)
        self.choose_another_text = _format_lazy(_("Choose another %(object)s"), name)
        self.link_to_chosen_text = _format_lazy(_("Edit this %(object)s"), name)


class LocalizedSnippetChooserViewSet(SnippetChooserViewSet):
    @cached_property
    def widget_class(self):
        return LocalizedSnippetChooser(model=self.model, icon=self.icon)
