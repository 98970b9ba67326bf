from django.utils.translation import gettext_lazy as _

from wagtail import blocks


class PolicyBasisBlock(blocks.StructBlock):
    """One policy document an item rests on (政策依据), with its document number (文号)."""

    title = blocks.CharBlock(label=_("Document title"))
    doc_number = blocks.CharBlock(label=_("Document number"), required=False)
    clause = blocks.CharBlock(label=_("Articles"), required=False)
    effective = blocks.DateBlock(label=_("Effective from"), required=False)
    expiry = blocks.DateBlock(label=_("Expires on"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Policy basis")


class FaqBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"))
    answer = blocks.TextBlock(label=_("Answer"))

    class Meta:
        icon = "help"
        label = _("FAQ entry")


class BusinessItemBlock(blocks.StructBlock):
    """A business item (经办事项): how one service is handled, in the same structure everywhere."""

    name = blocks.CharBlock(label=_("Business item"))
    policy_basis = blocks.ListBlock(PolicyBasisBlock(), label=_("Policy basis"))
    conditions = blocks.ListBlock(blocks.CharBlock(), label=_("Conditions"))
    materials = blocks.ListBlock(blocks.CharBlock(), label=_("Required materials"))
    steps = blocks.ListBlock(blocks.CharBlock(), label=_("Steps"))
    time_limit = blocks.CharBlock(label=_("Time limit"))
    fees = blocks.CharBlock(label=_("Fees"), required=False)
    faq = blocks.ListBlock(FaqBlock(), label=_("FAQ"), required=False)

    class Meta:
        icon = "list-ul"
        label = _("Business item")
        template = "blocks/business_item_block.html"
        description = _(
            "A structured business item: policy basis, conditions, materials, steps, time limit, FAQ."
        )


class TextbookStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Chapter heading"), template="blocks/heading_block.html")
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=["bold", "italic", "ol", "ul", "link"])
    business_item = BusinessItemBlock()


class LessonStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), template="blocks/heading_block.html")
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=["bold", "italic", "ol", "ul", "link"])
    business_item = BusinessItemBlock()
