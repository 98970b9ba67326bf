"""Open Badges 3.0 export of certifications (开放徽章).

Each certification can leave the platform as an OpenBadgeCredential: a W3C Verifiable Credential
(data model 2.0) signed with a Data Integrity proof (cryptosuite eddsa-rdfc-2022). The credential
is built, signed and checked by ``openbadgeslib`` (its signer refuses a document whose JSON-LD the
proof would not cover, against the published contexts it pins), so we write no JSON-LD or crypto
of our own: this module only decides what the credential says.

Issuer identity. On an https site the issuer is ``did:web:<host>`` and the platform publishes its
key at ``/.well-known/did.json``, so any verifier can resolve it. did:web is defined only for
https; on a plain-http development site the issuer is the ``did:key`` of the signing key, which
still verifies offline but proves only that the key signed it.

The signing key is an Ed25519 key in ``OB3_SIGNING_KEY_FILE`` (default ``var/keys/``), created on
first use. Several web processes or machines must share that file (or set the variable to one).
"""

from __future__ import annotations

import datetime
import os
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openbadgeslib.keys import public_jwk_from_pem
from openbadgeslib.ob3.credential import (
    Achievement,
    Alignment,
    IdentityObject,
    Issuer,
    OpenBadgeCredential,
)
from openbadgeslib.ob3.did import build_did_document, did_key_from_pem, did_web_from_url
from openbadgeslib.ob3.ldp import OB3LdpSigner

from training.org.choices import Level

from .models import Certification, CertificationRule, CertificationStatus

ISSUER_NAME = "基层人社学堂"
KEY_FRAGMENT = "ob3-key-1"


class BadgeUnavailable(Exception):
    """This certification cannot be exported (revoked)."""


def _key_path() -> Path:
    return Path(settings.OB3_SIGNING_KEY_FILE)


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        # O_EXCL: when two processes start at once, one key wins and both read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


@cache
def _signing_key(path: str) -> tuple[bytes, bytes]:
    key_file = Path(path)
    if not key_file.exists():
        _create_key(key_file)
    private_pem = key_file.read_bytes()
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{key_file}: the Open Badges signing key must be an Ed25519 key")
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def signing_keys() -> tuple[bytes, bytes]:
    """(private PEM, public PEM) of the platform's badge signing key."""
    return _signing_key(str(_key_path()))


def issuer_did(base_url: str) -> tuple[str, str]:
    """(issuer DID, verification method) for a site at ``base_url``."""
    if urlsplit(base_url).scheme == "https":
        did = did_web_from_url(f"{urlsplit(base_url).scheme}://{urlsplit(base_url).netloc}")
        return did, f"{did}#{KEY_FRAGMENT}"
    did = did_key_from_pem(signing_keys()[1])
    return did, f"{did}#{did.removeprefix('did:key:')}"


def did_document(base_url: str) -> dict:
    """The DID document that ``did:web:<host>`` resolves to (``/.well-known/did.json``)."""
    did, _ = issuer_did(base_url)
    return build_did_document(did, [(KEY_FRAGMENT, public_jwk_from_pem(signing_keys()[1]))])


def _criteria(rule: CertificationRule | None, area_name: str, level: str) -> str:
    if rule is None:
        return f"完成“{area_name}”{level}培训模块的全部课时。"
    parts = []
    modules = [m.title for m in rule.modules.all()]
    parts.append(f"完成培训模块：{'、'.join(modules)}" if modules else f"完成“{area_name}”{level}培训模块")
    if rule.exam_id:
        score = f"（不低于 {rule.min_exam_score} 分）" if rule.min_exam_score is not None else ""
        parts.append(f"通过正式考试“{rule.exam.title}”{score}")
    if rule.require_live_attendance:
        parts.append("参加直播课并签到")
    if rule.require_practical:
        parts.append("通过培训师现场实操考核")
    parts.append(f"有效期 {rule.validity_years} 年，到期前 {rule.renewal_window_days} 天可续证")
    return "；".join(parts) + "。"


def _midnight(day: datetime.date) -> datetime.datetime:
    # Certification dates are Beijing calendar days; the credential states the instant they begin.
    return datetime.datetime.combine(
        day, datetime.time.min, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )


def _achievement(*, area, level: str, base: str) -> Achievement:
    with translation.override("zh-hans"):
        level_name = str(Level(level).label)
        rule = (
            CertificationRule.objects.select_related("exam")
            .prefetch_related("modules")
            .filter(area=area, level=level)
            .first()
        )
        criteria = _criteria(rule, area.name, level_name)
    achievement_id = f"{base}/badges/{area.code}/{level}/"
    return Achievement(
        id=achievement_id,
        name=f"{area.name}（{level_name}）",
        description=f"能够按照统一业务经办教材独立办理“{area.name}”{level_name}业务。",
        criteria_narrative=criteria,
        achievement_type="Certification",
        tags=[area.name, level_name],
        alignments=[
            Alignment(
                target_name=area.name,
                target_url=achievement_id,
                target_code=f"{area.code}.{level}",
                target_framework="基层人社业务领域",
            )
        ],
    )


def achievement_description(*, area, level: str, base_url: str) -> dict:
    """The public description an achievement id resolves to (``/badges/<area>/<level>/``)."""
    return _achievement(area=area, level=level, base=base_url.rstrip("/")).to_dict()


def certification_badge(*, certification: Certification, base_url: str) -> dict:
    """The signed OpenBadgeCredential of one certification, as a JSON-ready dict."""
    if certification.status == CertificationStatus.REVOKED:
        raise BadgeUnavailable
    base = base_url.rstrip("/")
    cert = certification
    achievement = _achievement(area=cert.area, level=cert.level, base=base)
    did, method = issuer_did(base_url)
    credential = OpenBadgeCredential(
        id=f"{base}/verify/{cert.verify_token}/",
        name=f"{achievement.name} 资格证书",
        issuer=Issuer(id=did, name=ISSUER_NAME, url=f"{base}/"),
        recipient_id=None,
        identifiers=[IdentityObject(identity_hash=cert.staff.name, identity_type="name", hashed=False)],
        achievement=achievement,
        issuance_date=_midnight(cert.last_renewed_on or cert.issued_on),
        # Valid through the whole last day.
        expiration_date=_midnight(cert.expires_on + datetime.timedelta(days=1)),
    )
    private_pem, _ = signing_keys()
    return OB3LdpSigner(private_pem, verification_method=method).sign(credential)
