"""The snippet choosers of our models.

- Handed an id that cannot be one (a word, a number beyond the database's range), they answer 404
  for one object and 400 for a list, instead of a database error (500).
- Their button texts follow the reader's language: Wagtail builds a snippet's chooser widget once
  per process, when the snippet is registered, and formats "Choose %(object)s" there and then, so
  the buttons would stay in the language of start-up ("Choose business area"). Ours are formatted
  each time the widget is rendered.
"""

from django.core.exceptions import BadRequest, ValidationError
from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext_lazy as _

from wagtail.snippets.views.chooser import SnippetChooserViewSet, SnippetChosenMultipleView, SnippetChosenView
from wagtail.snippets.widgets import AdminSnippetChooser


def _clean_pk(model, value):
    field = model._meta.pk
    value = field.to_python(value)  # ValidationError for a word
    field.run_validators(value)  # and for a number out of the column's range
    return value


class ValidPkChosenMixin:
    """For a chooser's chosen and chosen-multiple views: the ids are checked before any query."""

    def get_object(self, pk):
        try:
            pk = _clean_pk(self.model_class, pk)
        except ValidationError:
            raise self.model_class.DoesNotExist from None  # the chooser answers 404
        return super().get_object(pk)

    def get_objects(self, pks):
        try:
            pks = [_clean_pk(self.model_class, pk) for pk in pks]
        except ValidationError:
            raise BadRequest("not an id") from None
        return super().get_objects(pks)


class ValidPkChosenView(ValidPkChosenMixin, SnippetChosenView):
    pass


class ValidPkChosenMultipleView(ValidPkChosenMixin, SnippetChosenMultipleView):
    pass


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
    """A snippet chooser whose buttons follow the reader's language."""

    @cached_property
    def widget_class(self):
        return LocalizedSnippetChooser(model=self.model, icon=self.icon)


class ValidPkChooserViewSet(LocalizedSnippetChooserViewSet):
    """The snippet chooser of a model with nothing to scope, with its ids checked."""

    chosen_view_class = ValidPkChosenView
    chosen_multiple_view_class = ValidPkChosenMultipleView
