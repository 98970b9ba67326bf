from django.db.models import Q

from wagtail.admin.forms import WagtailAdminPageForm


class ExamPageForm(WagtailAdminPageForm):
    """An exam page's form: its bank, its quotas' banks and its fixed questions are chosen among the
    banks of the trainer's areas (``exams.selectors.question_banks_for_author``), so a hand-made
    POST cannot put another area's questions on a paper. What the page already holds stays
    allowed, so a trainer can still save a page an administrator set up across areas."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        from .models import Question, QuestionBank
        from .selectors import question_banks_for_author

        banks = question_banks_for_author(user=for_user).values("pk")
        if "bank" in self.fields:
            self.fields["bank"].queryset = QuestionBank.objects.filter(
                Q(pk__in=banks) | Q(pk=self.instance.bank_id)
            )
        for form in self.formsets["quotas"].forms if "quotas" in self.formsets else ():
            form.fields["bank"].queryset = QuestionBank.objects.filter(
                Q(pk__in=banks) | Q(pk=form.instance.bank_id)
            )
        for form in self.formsets["fixed_questions"].forms if "fixed_questions" in self.formsets else ():
            form.fields["question"].queryset = Question.objects.filter(
                Q(bank__in=banks) | Q(pk=form.instance.question_id)
            )
