"""The demo content is real-looking Chinese business content of the right shape for every area:
what the helpers' self-checks used to do, now a test over all eight areas together (so a stem
repeated across files is caught too)."""

from training.demo.content import AREAS
from training.org.services import BUSINESS_AREA_CATALOGUE


def test_demo_content_shape_and_language():
    EXPECTED_CODES = [code for code, _, _ in BUSINESS_AREA_CATALOGUE]
    ITEM_KEYS = {"name", "policy_basis", "conditions", "materials", "steps", "time_limit", "fees", "faq"}
    POLICY_KEYS = {"title", "doc_number", "clause", "effective", "expiry"}

    def is_iso_date(value: str) -> bool:
        parts = value.split("-")
        if len(parts) != 3 or [len(p) for p in parts] != [4, 2, 2] or not all(p.isdigit() for p in parts):
            return False
        return 1 <= int(parts[1]) <= 12 and 1 <= int(parts[2]) <= 31

    def strings(obj, skip_keys=("code", "level")):
        """Every string value in obj (recursively), except the values of skip_keys."""
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, dict):
            for key, value in obj.items():
                if key not in skip_keys:
                    yield from strings(value, skip_keys)
        elif isinstance(obj, list):
            for value in obj:
                yield from strings(value, skip_keys)

    assert isinstance(AREAS, list)
    assert [a["code"] for a in AREAS] == EXPECTED_CODES, [a["code"] for a in AREAS]

    # No English, no placeholders, nothing that would break the HTML the loader builds.
    for text in strings(AREAS):
        assert text == text.strip(), repr(text)
        assert not any("a" <= ch.lower() <= "z" for ch in text), f"ASCII letters in: {text}"
        assert not any(ch in "<>&" for ch in text), f"HTML special character in: {text}"
        for bad in ("……", "…", "待补充", "占位", "示例文字", "XXX", "某某"):
            assert bad not in text, f"placeholder {bad!r} in: {text}"

    all_stems = set()
    for area in AREAS:
        code = area["code"]
        assert set(area) == {"code", "textbook", "lessons", "questions"}, code

        book = area["textbook"]
        assert set(book) == {"title", "version", "effective_date", "intro", "chapters"}, code
        assert book["title"] and book["version"], code
        assert is_iso_date(book["effective_date"]), (code, book["effective_date"])
        assert 60 <= len(book["intro"]) <= 150, (code, len(book["intro"]))
        assert 2 <= len(book["chapters"]) <= 3, code
        item_count = 0
        item_names = set()
        for chapter in book["chapters"]:
            assert set(chapter) == {"title", "intro", "items"}, (code, chapter.get("title"))
            assert chapter["title"].startswith("第") and chapter["intro"], (code, chapter["title"])
            assert 1 <= len(chapter["items"]) <= 3, (code, chapter["title"])
            for item in chapter["items"]:
                item_count += 1
                where = (code, item["name"])
                assert item["name"] not in item_names, where
                item_names.add(item["name"])
                assert set(item) == ITEM_KEYS, where
                assert 1 <= len(item["policy_basis"]) <= 3, where
                for policy in item["policy_basis"]:
                    assert set(policy) == POLICY_KEYS, where
                    assert policy["title"].startswith("《") and policy["title"].endswith("》"), where
                    assert policy["doc_number"] and policy["clause"], where
                    assert policy["effective"] == "" or is_iso_date(policy["effective"]), (
                        where,
                        policy["effective"],
                    )
                    assert policy["expiry"] == "" or is_iso_date(policy["expiry"]), (where, policy["expiry"])
                assert 2 <= len(item["conditions"]) <= 5, where
                assert 2 <= len(item["materials"]) <= 6, where
                assert 3 <= len(item["steps"]) <= 6, where
                for key in ("conditions", "materials", "steps"):
                    assert len(set(item[key])) == len(item[key]), (where, key)
                assert item["time_limit"] and item["fees"], where
                # These render as single-line text fields (at most 255 characters).
                one_liners = [
                    item["name"],
                    item["time_limit"],
                    item["fees"],
                    *item["conditions"],
                    *item["materials"],
                    *item["steps"],
                    *(f["q"] for f in item["faq"]),
                ]
                assert all(len(text) <= 255 for text in one_liners), where
                assert 2 <= len(item["faq"]) <= 3, where
                for faq in item["faq"]:
                    assert set(faq) == {"q", "a"}, where
                    assert faq["q"].endswith("？") and faq["a"], (where, faq["q"])

        lessons = area["lessons"]
        assert [lesson["level"] for lesson in lessons] == ["basic", "intermediate"], code
        for lesson in lessons:
            assert set(lesson) == {"title", "level", "paragraphs"}, code
            assert lesson["title"] and 3 <= len(lesson["paragraphs"]) <= 5, (code, lesson["title"])

        questions = area["questions"]
        assert len(questions) == 30, (code, len(questions))
        levels = [q["level"] for q in questions]
        assert levels.count("basic") == 20 and levels.count("intermediate") == 10, code
        answer_counts = [0, 0, 0, 0]
        difficulty_counts = {1: 0, 2: 0, 3: 0}
        for q in questions:
            where = (code, q["stem"])
            assert set(q) == {"level", "difficulty", "stem", "options", "answer", "explanation"}, where
            assert q["difficulty"] in (1, 2, 3), where
            assert q["stem"].endswith("？"), where
            assert q["stem"] not in all_stems, f"duplicate stem: {q['stem']}"
            all_stems.add(q["stem"])
            assert len(q["options"]) == 4 and len(set(q["options"])) == 4, where
            for option in q["options"]:
                assert (
                    option and option[0] not in "ＡＢＣＤ" and option[:2] not in ("A.", "B.", "C.", "D.")
                ), where
                assert len(option) <= 500, where
            assert isinstance(q["answer"], int) and not isinstance(q["answer"], bool), where
            assert 0 <= q["answer"] <= 3, where
            assert "（依据" in q["explanation"] and q["explanation"].endswith("）"), where
            answer_counts[q["answer"]] += 1
            difficulty_counts[q["difficulty"]] += 1
        assert all(5 <= n <= 10 for n in answer_counts), (code, answer_counts)
        # Intermediate questions are never the easiest kind.
        assert all(q["difficulty"] >= 2 for q in questions if q["level"] == "intermediate"), code
