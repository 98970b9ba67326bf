"""Wagtail choosers of our models handed an id that cannot be one (a word, a number beyond the
database's range): 404 for one object, 400 for a list, instead of a database error (500)."""

from django.core.exceptions import BadRequest, ValidationError

from wagtail.snippets.views.chooser import SnippetChooserViewSet, SnippetChosenMultipleView, SnippetChosenView


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


class ValidPkChooserViewSet(SnippetChooserViewSet):
    """The snippet chooser of a model with nothing to scope, with its ids checked."""

    chosen_view_class = ValidPkChosenView
    chosen_multiple_view_class = ValidPkChosenMultipleView
