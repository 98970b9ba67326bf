from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock


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


class AttachmentBlock(blocks.StructBlock):
    """A form to download (表格), e.g. the application form of the business item."""

    title = blocks.CharBlock(label=_("Form name"))
    document = DocumentChooserBlock(label=_("Document"))

    class Meta:
        icon = "doc-empty"
        label = _("Form")


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
    attachments = blocks.ListBlock(AttachmentBlock(), label=_("Forms to download"), required=False)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        # Only forms with a document to download: an item stored without forms reads as one
        # empty entry (a list block's default), and a form's document may have been deleted.
        context["forms"] = [form for form in value.get("attachments") or [] if form["document"] is not None]
        return context

    class Meta:
        icon = "list-ul"
        label = _("Business item")
        template = "blocks/business_item_block.html"
        description = _(
            "A structured business item: policy basis, conditions, materials, steps, time limit, FAQ."
        )


class SectionContentBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=["bold", "italic", "ol", "ul", "link"])
    business_item = BusinessItemBlock()


class SectionBlock(blocks.StructBlock):
    """A section of a chapter (节): a title and its text and business items."""

    title = blocks.CharBlock(label=_("Section title"))
    content = SectionContentBlock(label=_("Content"))

    class Meta:
        icon = "doc-full-inverse"
        label = _("Section")
        template = "blocks/section_block.html"


class ChapterStreamBlock(blocks.StreamBlock):
    section = SectionBlock()


class TextbookExcerptBlock(blocks.StructBlock):
    """Textbook sections quoted in a lesson (教材章节): a chapter, and optionally only the
    sections whose title contains the given words."""

    chapter = blocks.PageChooserBlock(page_type="courses.TextbookChapterPage", label=_("Chapter"))
    section_filter = blocks.CharBlock(label=_("Only sections whose title contains"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Textbook sections")
        template = "blocks/textbook_excerpt_block.html"


class LessonStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), template="blocks/heading_block.html")
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=["bold", "italic", "ol", "ul", "link"])
    business_item = BusinessItemBlock()
    textbook_sections = TextbookExcerptBlock()
