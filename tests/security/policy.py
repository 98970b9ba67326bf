"""The permission policy (权限策略表): for every URL of the site, what each role gets.

Keyed by URL name (``namespace:name``), by the pattern for unnamed ones, ``page:<app.Model>`` for
the page types Wagtail serves (``page:<app.Model>:<route>`` for their sub-routes) and
``METHOD /api/v1/...`` for the API's operations. Wagtail's own admin goes by ``RULES`` (globs over
URL names, first match wins); our own admin screens are listed one by one.

A new view needs one line here; ``tests/security/test_permission_matrix.py`` fails naming any URL,
page type or API operation that has none. The roles, in order: anonymous, learner, trainer (for
就业服务 only), the manager of the *other* district (西城区), the manager of *this* district (东湖区),
administrator. Objects named ``@key`` are built in ``tests/security/world.py``: ``…_here`` ones
belong to 东湖区, ``…_there`` ones to 西城区, ``…_mine`` ones to the trainer's business area
(就业服务), ``…_other`` ones to another (养老保险) — whoever owns them: areas, not owners, decide
(``training.org.selectors.may_act_on_area``).

Answers (``tests/security/answers.py``): OK 200 · LOGIN 302 to /accounts/login/ · ADMIN_LOGIN 302 to
/admin/login/ · ADMIN_DENIED 302 to /admin/ ("no permission") · DENIED 403 · HIDDEN 404 (another
person's or subtree's object does not exist for you) · NOT_ALLOWED 405 · REDIRECT 302 elsewhere.
Profiles name the usual rows: PUBLIC, SIGNED_IN, OWN (the learner's own object), MANAGERS,
MANAGERS_HERE / MANAGERS_THERE (an object of one district), TRAINERS, WAGTAIL (admin access:
trainers and admins), WAGTAIL_ADMINS (admins only), POST_ONLY; ``.but(role=ANSWER)`` changes one.

Adding a view, one line each (the object it needs goes into world.py)::

    "accounts:lockout": view(PUBLIC),
    "privacy:my_data": view(SIGNED_IN),
    "org_person_remove": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE, args={"staff_id": "@west_learner"}),
    "plans:plan_edit": [view(MANAGERS_HERE, args={"pk": "@plan_here"}),
                        view(MANAGERS_THERE, args={"pk": "@plan_there"})],

Every answer to a role is also searched for data out of that role's reach (other people's names,
ID numbers, phones, robot keys, other trainers' questions: ``World.secrets``); ``leaks=`` on an
entry declares what a view rightly shows a role. A refused POST must change no table.
"""

from wagtail.contrib.settings.registry import registry as settings_registry

from .answers import (
    ADMIN_DENIED,
    API_OWN,
    API_SIGNED_IN,
    BAD_REQUEST,
    DENIED,
    HIDDEN,
    LOGGED_OUT,
    LOGIN,
    MANAGERS,
    MANAGERS_HERE,
    MANAGERS_THERE,
    NOT_ALLOWED,
    OK,
    OWN,
    POST_ONLY,
    PUBLIC,
    REDIRECT,
    ROLES,
    SIGNED_IN,
    TRAINERS,
    WAGTAIL,
    WAGTAIL_ADMINS,
    Answer,
    Roles,
    Rule,
    view,
)

ERROR = Answer("500 (Wagtail's deliberate error page)", (500,))
EVERYONE_REDIRECTED = Roles.all(REDIRECT)
SIGNED_IN_REDIRECTED = Roles(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)
NOBODY = Roles.all(HIDDEN)
# Writes that only trainers and admins may make, answered by a redirect when done.
TRAINERS_WRITE = TRAINERS.but(trainer=REDIRECT, admin=REDIRECT)
WAGTAIL_ADMINS_WRITE = WAGTAIL_ADMINS.but(admin=OK)
# A unit above every manager's subtree (the city): no manager reaches it.
ABOVE_MANAGERS = MANAGERS.but(other_manager=HIDDEN, manager=HIDDEN)
# The reveal rule (exams/reveal.py): what an answer withholding a key must not show — its
# explanation, a right/wrong mark per question, and in JSON the fields that carry either.
KEY_ON_A_PAGE = ("@never_question.explanation", "reviewed right", "reviewed wrong", "✓")
KEY_IN_JSON = ('"correct"', '"right_options"', '"explanation"', '"awarded"', '"feedback"')


def own_snippets(
    prefix: str, mine: str, other: str, *, add_other: dict | None = None, edit: dict | None = None
) -> dict:
    """A snippet viewset scoped to business areas (question banks, questions): a trainer lists,
    adds and edits those of their areas; another area's object answers 404, whatever the view.
    ``add_other``: a form adding an object to another area, which a trainer is shown again with
    its error, nothing added; ``edit``: a form that moves an object to another area, refused the
    same way (and another area's object is not there to edit)."""
    mine_only = WAGTAIL.but(trainer=HIDDEN)
    add = view(WAGTAIL)
    if add_other is not None:
        add = view(
            WAGTAIL,
            post=WAGTAIL.but(admin=REDIRECT),
            data=add_other,
            unchanged=("trainer",),
            why="another area is not among a trainer's choices",
        )
    entries = {
        f"wagtailsnippets_{prefix}:list": view(WAGTAIL),
        f"wagtailsnippets_{prefix}:list_results": view(WAGTAIL),
        f"wagtailsnippets_{prefix}:add": add,
        f"wagtailsnippetchoosers_{prefix}:choose": view(WAGTAIL),
        f"wagtailsnippetchoosers_{prefix}:choose_results": view(WAGTAIL),
        f"wagtailsnippetchoosers_{prefix}:create": view(WAGTAIL),
        f"wagtailsnippetchoosers_{prefix}:chosen_multiple": [
            view(WAGTAIL, query={"id": mine}),
            view(WAGTAIL.but(trainer=OK), query={"id": other}, why="an empty list for a trainer"),
        ],
    }
    for name in ("edit", "delete", "usage", "history", "history_results", "copy"):
        entries[f"wagtailsnippets_{prefix}:{name}"] = [
            view(WAGTAIL, args={"pk": mine}),
            view(mine_only, args={"pk": other}),
        ]
    if edit is not None:
        entries[f"wagtailsnippets_{prefix}:edit"] += [
            view(
                post=WAGTAIL.but(admin=REDIRECT),
                args={"pk": mine},
                data=edit,
                unchanged=("trainer",),
                why="another area is not among a trainer's choices",
            ),
            view(post=mine_only.but(admin=REDIRECT), args={"pk": other}, data=edit),
        ]
    entries[f"wagtailsnippetchoosers_{prefix}:chosen"] = [
        view(WAGTAIL, args={"pk": mine}),
        view(mine_only, args={"pk": other}),
    ]
    return entries


def admin_snippets(
    prefix: str,
    obj: str,
    *,
    objects: Roles = WAGTAIL_ADMINS,
    chosen: Roles = WAGTAIL,
    copy: Roles = WAGTAIL_ADMINS,
) -> dict:
    """A snippet viewset for administrators only (trainers hold no permission on it). ``objects``:
    the answers on one object's screens; ``chosen``: when its chooser is handed the object.

    Wagtail's snippet choosers answer every admin user (a chooser sits in any edit form): for
    catalogues that hold nothing confidential (business areas, certification rules) that is fine;
    scoped ones (robots of a unit) list a trainer, who manages no unit, nothing."""
    chooser = WAGTAIL
    entries = {
        f"wagtailsnippets_{prefix}:{name}": view(WAGTAIL_ADMINS) for name in ("list", "list_results", "add")
    }
    for name in ("edit", "delete", "usage", "history", "history_results"):
        entries[f"wagtailsnippets_{prefix}:{name}"] = view(objects, args={"pk": obj})
    entries[f"wagtailsnippets_{prefix}:copy"] = view(copy, args={"pk": obj})
    for name in ("choose", "choose_results"):
        entries[f"wagtailsnippetchoosers_{prefix}:{name}"] = view(chooser)
    entries[f"wagtailsnippetchoosers_{prefix}:create"] = view(WAGTAIL_ADMINS)
    entries[f"wagtailsnippetchoosers_{prefix}:chosen"] = view(chosen, args={"pk": obj})
    entries[f"wagtailsnippetchoosers_{prefix}:chosen_multiple"] = view(chooser, query={"id": obj})
    return entries


POLICY = {
    # --- the site's frame --------------------------------------------------------------------------
    "healthz": view(PUBLIC),
    # Lesson videos: a trainer acts on those of their business areas (courses/wagtail_hooks.py);
    # wagtailmedia's screens of one video answer through our routes of the same paths (video_*).
    **{
        name: [
            view(WAGTAIL, args={"media_id": "@video"}),
            view(WAGTAIL.but(trainer=ADMIN_DENIED), args={"media_id": "@video_other"}),
        ]
        for name in (
            "wagtailmedia:edit",
            "wagtailmedia:media_usage",
            "wagtailmedia:media_chosen",
            "video_edit",
            "video_usage",
            "video_chosen",
        )
    },
    **{
        name: [
            view(WAGTAIL, args={"media_id": "@video"}),
            view(
                WAGTAIL.but(trainer=ADMIN_DENIED),
                post=WAGTAIL.but(trainer=ADMIN_DENIED, admin=REDIRECT),
                args={"media_id": "@video_other"},
            ),
        ]
        for name in ("wagtailmedia:delete", "video_delete")
    },
    "favicon": view(PUBLIC),
    "login": view(PUBLIC),
    "logout": view(Roles.all(NOT_ALLOWED), post=EVERYONE_REDIRECTED),
    "set_language": view(EVERYONE_REDIRECTED, post=EVERYONE_REDIRECTED, data={"language": "en", "next": "/"}),
    "wagtailcore_login": view(PUBLIC),
    "wagtailcore_authenticate_with_password": view(
        NOBODY, args={"page_view_restriction_id": 999999, "page_id": "@home"}, why="no password restrictions"
    ),
    "wagtail_serve": view(why="served pages are checked one page type at a time: the page:* entries below"),
    "media": [
        view(PUBLIC, args={"path": "@video.file.name"}, why="lesson media are not personal data"),
        view(NOBODY, args={"path": "@job.result.name"}, why="a job's file is fetched through its job"),
        view(NOBODY, args={"path": "no/such/file.png"}),
    ],
    "wagtaildocs_serve": view(PUBLIC, args=("@document", "@document.filename"), why="forms to download"),
    "wagtaildocs_authenticate_with_password": view(NOBODY, args={"restriction_id": 999999}),
    # --- pages served by Wagtail (the home page's login restriction covers the tree) -------------
    "page:wagtailcore.Page": view(why="the tree's root is never served"),
    "page:courses.HomePage": view(SIGNED_IN),
    "page:courses.TextbookIndexPage": view(SIGNED_IN),
    "page:courses.TextbookPage": view(SIGNED_IN),
    "page:courses.TextbookPage:print_view": view(SIGNED_IN),
    "page:courses.TextbookPage:changes_view": [
        view(SIGNED_IN.but(**dict.fromkeys(ROLES[1:], HIDDEN)), why="a first edition has no changes"),
        view(SIGNED_IN, args={"page": "@textbook_v2"}),
    ],
    "page:courses.TextbookChapterPage": view(SIGNED_IN),
    "page:courses.ModuleIndexPage": view(SIGNED_IN),
    "page:courses.ModulePage": view(SIGNED_IN),
    "page:courses.LessonPage": view(SIGNED_IN, post=SIGNED_IN_REDIRECTED),
    "page:courses.VideoLessonPage": view(SIGNED_IN),
    "page:courses.LiveSessionPage": view(SIGNED_IN, post=SIGNED_IN_REDIRECTED, data={"code": "000000"}),
    "page:exams.ExamPage": [
        view(SIGNED_IN),
        view(OWN, query={"attempt": "@attempt_graded"}),
        # the reveal rule: an exam that never shows its answers shows its total, no key
        view(
            OWN,
            args={"page": "@exam_never"},
            query={"attempt": "@attempt_never"},
            hides={"learner": KEY_ON_A_PAGE},
        ),
        view(post=OWN.but(learner=REDIRECT), data={"action": "submit", "attempt": "@attempt_open"}),
    ],
    # --- learning and exams --------------------------------------------------------------------------
    "courses:search": view(SIGNED_IN, query={"q": "失业保险"}),
    "courses:video_progress": view(
        POST_ONLY,
        post=OWN,
        args={"page_id": "@video_page"},
        body={"viewing": "@viewing.token", "intervals": [[0, 1]], "position": 1},
    ),
    "courses:live_attendance": view(Roles(LOGIN, DENIED, OK, OK, OK, OK), args={"page_id": "@live"}),
    "exams:answer_save": [
        view(POST_ONLY, post=OWN, args={"attempt_id": "@attempt_open"}, data={"question": "@open_question"}),
        # the reveal rule: practice tells nothing of a question of the person's sitting in progress
        view(
            post=OWN,
            args={"attempt_id": "@practice_early"},
            data={"question": "@early_question", "response": "@early_right"},
            hides={"learner": KEY_IN_JSON},
        ),
    ],
    # the reveal rule: practice serves no question of an exam that never shows its answers
    "exams:practice": view(
        OWN,
        post=OWN.but(learner=REDIRECT),
        args={"attempt_id": "@practice"},
        hides={"learner": ("@never_question.stem",)},
    ),
    "exams:drills": view(SIGNED_IN),
    "exams:daily": view(POST_ONLY, post=SIGNED_IN_REDIRECTED),
    "exams:wrong_book": view(
        SIGNED_IN, post=SIGNED_IN_REDIRECTED, hides={"learner": ("@never_question.stem",)}
    ),
    "exams:progress": view(SIGNED_IN),
    "exams:marking_queue": view(TRAINERS),
    "exams:mark_answer": [
        view(TRAINERS, post=TRAINERS_WRITE, args={"answer_id": "@answer_mine"}, data={"awarded": "3"}),
        view(
            TRAINERS.but(trainer=HIDDEN),
            post=TRAINERS_WRITE.but(trainer=HIDDEN),
            args={"answer_id": "@answer_other"},
            data={"awarded": "3"},
        ),
    ],
    "exams:my_banks": view(TRAINERS),
    "exams:item_analysis": [
        view(TRAINERS, args={"bank_id": "@bank_mine"}),
        view(TRAINERS.but(trainer=HIDDEN), args={"bank_id": "@bank_other"}),
    ],
    # --- certifications -------------------------------------------------------------------------------
    "competency:my_certificates": view(SIGNED_IN),
    "competency:matrix": [
        view(MANAGERS),
        view(MANAGERS_HERE, query={"unit": "@east_comm"}),
        view(MANAGERS_THERE, query={"unit": "@west_comm"}),
        view(ABOVE_MANAGERS, query={"unit": "@city"}),
    ],
    "competency:verify": view(PUBLIC, args={"token": "@cert_here.verify_token"}),
    "competency:certificate_pdf": [
        view(Roles(LOGIN, OK, HIDDEN, HIDDEN, OK, OK), args={"pk": "@cert_here"}),
        view(Roles(LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, OK), args={"pk": "@cert_there"}),
    ],
    "competency:certificate_badge": [
        view(Roles(LOGIN, OK, HIDDEN, HIDDEN, OK, OK), args={"pk": "@cert_here"}),
        view(Roles(LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, OK), args={"pk": "@cert_there"}),
    ],
    "competency:achievement": view(PUBLIC, args={"area_code": "employment", "level": "basic"}),
    "competency:did_document": view(NOBODY, why="did:web exists on https only; the test client speaks http"),
    "competency:certificates_bulk": [
        view(
            POST_ONLY, post=Roles(LOGIN, HIDDEN, HIDDEN, HIDDEN, REDIRECT, REDIRECT), data={"unit": "@east"}
        ),
        view(post=Roles(LOGIN, HIDDEN, HIDDEN, REDIRECT, HIDDEN, REDIRECT), data={"unit": "@west"}),
    ],
    "competency:job": view(Roles(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN), args={"pk": "@job"}),
    "competency:job_download": view(Roles(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN), args={"pk": "@job"}),
    "competency:people_search": view(TRAINERS, query={"q": "甄"}),
    # By hand (issue, revoke, practical): administrators, and trainers within their business
    # areas (training.org.selectors.may_act_on_area); another area does not exist for a trainer.
    "competency:person_certifications": [
        view(
            TRAINERS,
            post=TRAINERS_WRITE,
            args={"staff_id": "@learner"},
            data={"action": "issue", "area": "@area", "level": "intermediate", "reason": "补发证书"},
        ),
        view(
            post=TRAINERS_WRITE,
            args={"staff_id": "@learner"},
            data={"action": "revoke", "certification": "@cert_here", "reason": "材料不实"},
        ),
        view(
            post=TRAINERS_WRITE,
            args={"staff_id": "@learner"},
            data={
                "action": "practical",
                "area": "@area",
                "level": "basic",
                "passed": "1",
                "reason": "窗口实操",
            },
        ),
        view(
            TRAINERS,
            post=TRAINERS_WRITE.but(trainer=HIDDEN),
            args={"staff_id": "@west_learner"},
            data={"action": "issue", "area": "@area_other", "level": "basic", "reason": "补发养老保险证书"},
            why="养老保险 is not the trainer's area",
        ),
        view(
            post=TRAINERS_WRITE.but(trainer=HIDDEN),
            args={"staff_id": "@west_learner"},
            data={"action": "revoke", "certification": "@cert_there", "reason": "材料不实"},
        ),
        view(
            post=TRAINERS_WRITE.but(trainer=HIDDEN),
            args={"staff_id": "@west_learner"},
            data={"action": "practical", "area": "@area_other", "level": "basic", "passed": "1"},
        ),
    ],
    # --- plans ------------------------------------------------------------------------------------------
    "plans:my_tasks": view(
        SIGNED_IN,
        post=OWN.but(learner=REDIRECT),
        data={"assignment": "@assignment_here", "due_on": "2099-01-01", "reason": "家中有事"},
    ),
    "plans:plan_list": view(MANAGERS),
    "plans:plan_new": view(MANAGERS, post=MANAGERS),
    "plans:plan_detail": [
        view(MANAGERS_HERE, args={"pk": "@plan_here"}),
        view(MANAGERS_THERE, args={"pk": "@plan_there"}),
        view(
            MANAGERS_HERE.but(manager=HIDDEN, admin=HIDDEN),
            args={"pk": "@plan_here"},
            query={"unit": "@west_comm"},
            why="a unit outside the plan",
        ),
    ],
    "plans:extensions": [
        view(
            MANAGERS,
            post=MANAGERS_HERE.but(manager=REDIRECT, admin=REDIRECT),
            data={"request": "@ext_here", "decision": "approve"},
        ),
        view(
            post=MANAGERS_THERE.but(other_manager=REDIRECT, admin=REDIRECT),
            data={"request": "@ext_there", "decision": "approve"},
        ),
    ],
    "plans:gaps": [
        view(
            MANAGERS,
            post=MANAGERS_HERE.but(manager=REDIRECT, admin=REDIRECT),
            data={"proposal": "@gap_here", "action": "dismiss"},
        ),
        view(
            post=MANAGERS_THERE.but(other_manager=REDIRECT, admin=REDIRECT),
            data={"proposal": "@gap_there", "action": "dismiss"},
        ),
    ],
    # --- reports -----------------------------------------------------------------------------------------
    "reports:dashboard": [
        view(MANAGERS),
        view(MANAGERS_HERE, query={"unit": "@east_comm"}),
        view(MANAGERS_THERE, query={"unit": "@west_comm"}),
        view(ABOVE_MANAGERS, query={"unit": "@city"}),
    ],
    "reports:person": [
        view(MANAGERS_HERE, args={"staff_id": "@learner"}),
        view(MANAGERS_THERE, args={"staff_id": "@west_learner"}),
    ],
    "reports:export": [
        view(POST_ONLY, post=MANAGERS_HERE, data={"unit": "@east_comm", "table": "roster", "format": "csv"}),
        view(post=MANAGERS_THERE, data={"unit": "@west_comm", "table": "roster", "format": "csv"}),
    ],
    # --- notifications ----------------------------------------------------------------------------------
    "notify:list": view(SIGNED_IN),
    # a person's own data (我的数据): the page, and the zip by POST only (a link preview makes no copy)
    "org:my_data": view(SIGNED_IN),
    "org:my_data_download": view(POST_ONLY, post=SIGNED_IN),
    # account security: every page is the signed-in person's own; verify without a pending login
    # sends them on; turning two-factor off is a POST that answers by going back to the overview
    "accounts:security": view(SIGNED_IN),
    "accounts:password_change": view(SIGNED_IN, post=SIGNED_IN),
    "accounts:password_change_done": view(SIGNED_IN),
    "accounts:two_factor_setup": view(SIGNED_IN),
    "accounts:two_factor_verify": view(SIGNED_IN_REDIRECTED),
    "accounts:two_factor_disable": view(POST_ONLY, post=SIGNED_IN_REDIRECTED),
    "notify:read": view(POST_ONLY, post=OWN.but(learner=REDIRECT), args={"pk": "@notification"}),
    "notify:read_all": view(POST_ONLY, post=SIGNED_IN_REDIRECTED),
    # --- the JSON API (operations from the OpenAPI document; the URL patterns below are its frame) ---
    "api-v1:openapi-json": view(PUBLIC, why="the API's description holds nothing personal"),
    "api-v1:api-root": view(NOBODY, why="no interactive docs (they would load a CDN)"),
    "POST /api/v1/attempts": view(post=API_SIGNED_IN, body={"exam_id": "@exam"}),
    "PUT /api/v1/attempts/{attempt_id}/answers/{question_id}": view(
        put=API_OWN,
        args={"attempt_id": "@attempt_open", "question_id": "@open_question"},
        body={"response": None},
    ),
    "POST /api/v1/attempts/{attempt_id}/submit": [
        view(post=API_OWN, args={"attempt_id": "@attempt_open"}),
        view(post=API_OWN, args={"attempt_id": "@attempt_never"}, hides={"learner": KEY_IN_JSON}),
    ],
    "GET /api/v1/attempts/{attempt_id}": [
        view(API_OWN, args={"attempt_id": "@attempt_graded"}),
        view(API_OWN, args={"attempt_id": "@attempt_never"}, hides={"learner": KEY_IN_JSON}),
    ],
    "api_not_found": view(NOBODY, args={"rest": "v1/nope"}, why="any other path under /api/: 404 in JSON"),
    # --- our own screens in the Wagtail admin ------------------------------------------------------------
    "textbook_new_version": [
        view(WAGTAIL, args={"page_id": "@textbook"}),
        view(
            WAGTAIL.but(trainer=ADMIN_DENIED),
            post=WAGTAIL.but(trainer=ADMIN_DENIED, admin=OK),
            args={"page_id": "@textbook_other"},
            why="养老保险 is not the trainer's area",
        ),
    ],
    # Import into a bank: of the trainer's area, done; of another, the form refuses the bank.
    "question_import": [
        view(WAGTAIL, post=WAGTAIL),
        view(post=WAGTAIL, data={"bank": "@bank_mine", "fmt": "aiken", "file": "@questions_file"}),
        view(
            post=WAGTAIL,
            data={"bank": "@bank_other", "fmt": "aiken", "file": "@questions_file"},
            unchanged=("trainer",),
            why="another area's bank is not among a trainer's choices",
        ),
    ],
    "question_import_template": view(WAGTAIL),
    "question_export": [
        view(WAGTAIL, args={"bank_id": "@bank_mine", "fmt": "xlsx"}),
        view(WAGTAIL.but(trainer=HIDDEN), args={"bank_id": "@bank_other", "fmt": "xlsx"}),
    ],
    "org_roster_import": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE),
    "org_roster_template": view(WAGTAIL_ADMINS),
    "org_units": view(WAGTAIL_ADMINS),
    "org_unit_add_root": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE),
    "org_unit_add": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE, args={"parent_id": "@east"}),
    "org_unit_edit": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE, args={"unit_id": "@east_comm"}),
    "org_unit_move": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE, args={"unit_id": "@east_comm"}),
    "org_unit_merge": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE, args={"unit_id": "@east_comm"}),
    "org_audit": view(WAGTAIL_ADMINS),
    # personal data: the people list (numbers masked even here) and erasing a person who left; a
    # POST without the typed name and the tick erases nothing and shows the form again
    "org_people": view(WAGTAIL_ADMINS),
    # a background roster import's page: only the admin who started it (a certificates job, or
    # another admin's import, does not exist here)
    "org_roster_job": view(
        WAGTAIL_ADMINS.but(admin=HIDDEN), args={"pk": "@job"}, why="not a roster job of this admin"
    ),
    "org_staff_erase": view(WAGTAIL_ADMINS, post=WAGTAIL_ADMINS_WRITE, args={"staff_id": "@west_learner"}),
    **own_snippets(
        "exams_questionbank",
        "@bank_mine",
        "@bank_other",
        add_other={"title": "养老保险待遇题库", "area": "@area_other", "level": "basic", "owner": ""},
        edit={"title": "养老保险待遇题库", "area": "@area_other", "level": "basic", "owner": ""},
    ),
    **own_snippets("exams_question", "@question_mine", "@question_other"),
    **admin_snippets(
        "notify_robotwebhook",
        "@robot_here",
        objects=WAGTAIL_ADMINS.but(trainer=HIDDEN),
        chosen=WAGTAIL.but(trainer=HIDDEN),
    ),
    **admin_snippets("competency_certificationrule", "@rule"),
    **admin_snippets("org_businessarea", "@area"),
    # Every settings model (学习设置, 提醒设置 …): administrators only.
    "wagtailsettings:edit": [
        view(
            WAGTAIL_ADMINS.but(trainer=REDIRECT, admin=REDIRECT),
            args={"app_name": "org", "model_name": "competencysettings"},
            why="to the row's own URL, checked below",
        ),
        *[
            view(
                WAGTAIL_ADMINS,
                args={
                    "app_name": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "pk": f"@setting_{model._meta.label_lower.replace('.', '_')}",
                },
            )
            for model in settings_registry
        ],
    ],
    # --- Wagtail's admin: our rules on its page views (samples) ---------------------------------------
    # A trainer authors only their business areas (courses/wagtail_hooks.py): 就业服务 yes, 养老保险 no.
    "wagtailadmin_pages:edit": [
        view(WAGTAIL, args={"page_id": "@module"}),
        view(WAGTAIL.but(trainer=ADMIN_DENIED), args={"page_id": "@module_other"}),
    ],
    "wagtailadmin_pages:add": [
        view(WAGTAIL, args=("courses", "lessonpage", "@module")),
        view(WAGTAIL.but(trainer=ADMIN_DENIED), args=("courses", "lessonpage", "@module_other")),
    ],
    "wagtailadmin_pages:delete": view(
        WAGTAIL.but(trainer=ADMIN_DENIED), args={"page_id": "@module_other"}, why="trainers delete nothing"
    ),
    "wagtailadmin_pages:copy": [
        view(WAGTAIL, args={"page_id": "@module"}),
        view(WAGTAIL.but(trainer=ADMIN_DENIED), args={"page_id": "@module_other"}),
    ],
    "wagtailadmin_pages:move": view(
        WAGTAIL.but(trainer=ADMIN_DENIED), args={"page_to_move_id": "@module"}, why="moving needs deleting"
    ),
    "wagtailadmin_pages:unpublish": view(
        WAGTAIL.but(trainer=ADMIN_DENIED), args={"page_id": "@module"}, why="publishing goes through approval"
    ),
    "wagtailadmin_pages:revisions_index": view(
        WAGTAIL.but(trainer=REDIRECT, admin=REDIRECT), args={"page_id": "@module"}, why="to the history"
    ),
    "wagtailadmin_pages:history": view(WAGTAIL, args={"page_id": "@module"}),
    "wagtailadmin_explore": view(WAGTAIL, args={"parent_page_id": "@module_index"}),
    # Who may change logins, groups and the site: administrators only (samples of Wagtail's own).
    "wagtailusers_users:edit": view(WAGTAIL_ADMINS, args={"pk": "@learner.user_id"}),
    "wagtailusers_users:delete": view(WAGTAIL_ADMINS, args={"pk": "@learner.user_id"}),
    "wagtailusers_groups:edit": view(WAGTAIL_ADMINS, args={"pk": "@trainers_group"}),
    "wagtailsites:edit": view(WAGTAIL_ADMINS, args={"pk": "@site"}),
    "wagtailadmin_collections:edit": view(WAGTAIL_ADMINS, args={"pk": "@collection"}),
    "wagtailadmin_workflows:edit": view(WAGTAIL_ADMINS, args={"pk": "@workflow"}),
    "wagtailredirects:edit": view(WAGTAIL_ADMINS, args={"redirect_id": "@redirect"}),
    "wagtailadmin_workflows:task_chooser_create": view(
        WAGTAIL,
        post=WAGTAIL.but(trainer=BAD_REQUEST, admin=OK),
        data={"create-task-name": "抽查任务"},
        why="the chooser answers any admin user; only those who may add tasks can create one",
    ),
    "wagtailimages:edit": view(WAGTAIL, args={"image_id": "@image"}),
    "wagtaildocs:edit": view(WAGTAIL, args={"document_id": "@document"}),
    # Bulk actions go around the viewsets' scope: another trainer's questions stay out of reach.
    "wagtail_bulk_action": [
        view(WAGTAIL, args=("exams", "question", "delete"), query={"id": "@question_mine"}),
        view(
            WAGTAIL.but(trainer=HIDDEN),
            post=WAGTAIL.but(trainer=HIDDEN, admin=REDIRECT),
            args=("exams", "question", "delete"),
            query={"id": "@question_other_unused"},
        ),
        view(
            WAGTAIL,
            post=WAGTAIL.but(trainer=REDIRECT, admin=REDIRECT),
            args=("wagtailcore", "page", "delete"),
            query={"id": "@lesson"},
            unchanged=("trainer",),
            why="a trainer is shown the page as one they may not delete, and nothing is deleted",
        ),
    ],
    # --- Wagtail's admin, public parts ----------------------------------------------------------------
    "wagtailadmin_password_reset": view(PUBLIC),
    "wagtailadmin_password_reset_done": view(PUBLIC),
    "wagtailadmin_password_reset_confirm": view(PUBLIC, args={"uidb64": "x", "token": "y"}),
    "wagtailadmin_password_reset_complete": view(PUBLIC),
    "wagtailadmin_javascript_catalog": view(PUBLIC),
    "wagtailadmin_sprite": view(PUBLIC),
    "wagtailadmin_login": view(
        PUBLIC.but(trainer=REDIRECT, admin=REDIRECT), why="signed in already: to the admin"
    ),
    "wagtailadmin_logout": view(
        WAGTAIL.but(trainer=NOT_ALLOWED, admin=NOT_ALLOWED),
        post=WAGTAIL.but(trainer=LOGGED_OUT, admin=LOGGED_OUT),
    ),
    "wagtailadmin_error_test": view(WAGTAIL.but(trainer=ERROR, admin=ERROR)),
    "admin/test404/": view(WAGTAIL, why="Wagtail's page to try its 404 template (answers 200)"),
    "admin/^.*/$": view(WAGTAIL.but(trainer=HIDDEN, admin=HIDDEN), url="/admin/no-such-screen/"),
}

# Wagtail's own admin, by namespace: everyone without admin access is sent to the admin login;
# trainers get what their Wagtail permissions allow (pages, images, documents), admins everything.
ADMIN_HOME = ADMIN_DENIED  # the same redirect, for admins too where a screen has nothing to show
RULES = [
    Rule("wagtailadmin_home", WAGTAIL),
    Rule("wagtailadmin_account", WAGTAIL),
    Rule("wagtailadmin_dismissibles", WAGTAIL),
    Rule("wagtailadmin_block_preview", WAGTAIL.but(trainer=HIDDEN, admin=HIDDEN), why="needs a block"),
    Rule("wagtailadmin_api:*:find", WAGTAIL.but(trainer=HIDDEN, admin=HIDDEN), why="needs a query"),
    Rule("wagtailadmin_explore*", WAGTAIL),
    Rule("wagtailadmin_pages:*", WAGTAIL),
    Rule("wagtailadmin_choose_page*", WAGTAIL),
    Rule("wagtailadmin_tag_*", WAGTAIL),
    Rule("wagtailadmin_api:*", WAGTAIL),
    Rule("wagtailadmin_editing_sessions:*", WAGTAIL),
    Rule("wagtailimages*", WAGTAIL),
    Rule("wagtaildocs*", WAGTAIL),
    Rule("wagtailembeds:*", WAGTAIL),
    # Trainers upload lesson videos and act on those of their areas (the screens of one video are
    # listed one by one above).
    Rule("wagtailmedia:*", WAGTAIL),
    Rule("wagtailsnippets:index", WAGTAIL_ADMINS.but(admin=ADMIN_HOME), why="every snippet has its own menu"),
    Rule("wagtailadmin_reports:locked_pages*", WAGTAIL_ADMINS, why="needs the unlock permission"),
    Rule(
        "wagtailadmin_reports:site_history*", WAGTAIL_ADMINS, why="the whole site's audit (training/urls.py)"
    ),
    Rule("wagtailadmin_reports:*", WAGTAIL),
    # Wagtail's choosers answer any admin user: they list names of workflow tasks and forms only.
    Rule("wagtailadmin_workflows:task_chooser*", WAGTAIL),
    Rule("wagtailadmin_workflows:select_task_type", WAGTAIL_ADMINS.but(admin=REDIRECT), why="one type"),
    Rule("wagtailadmin_collections:*", WAGTAIL_ADMINS),
    Rule("wagtailadmin_workflows:*", WAGTAIL_ADMINS),
    Rule("wagtailforms:*", WAGTAIL, why="lists the form pages one may edit: none"),
    Rule("wagtailredirects:process_import", WAGTAIL_ADMINS.but(admin=NOT_ALLOWED)),
    Rule("wagtailredirects:*", WAGTAIL_ADMINS),
    Rule("wagtailsites:*", WAGTAIL_ADMINS),
    Rule("wagtailusers_*", WAGTAIL_ADMINS),
    Rule("wagtailsettings:*", WAGTAIL_ADMINS),
]
