"""Group robots (群机器人) of WeCom (企业微信) and DingTalk (钉钉), without the ORM: the text message,
DingTalk's signature (加签) and one POST whose answer is checked.

Both accept ``{"msgtype": "text", "text": {"content": …}}`` as JSON and answer HTTP 200 with
``errcode`` 0 on success, and HTTP 200 with another ``errcode`` on errors (bad key, wrong
signature, rate limit), so the body decides, not the status alone. The standard library's
``urllib.request`` is enough for one JSON POST with a timeout; no dependency is added.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_SECONDS = 10
WECOM = "wecom"
DINGTALK = "dingtalk"


class RobotError(Exception):
    """The robot did not take the message; the text says why (never the URL, which holds the key)."""


def text_payload(text: str) -> bytes:
    """The text message as UTF-8 JSON, Chinese kept as it is (not \\u escapes)."""
    return json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode("utf-8")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed with the secret, base64, then
    URL-encoded (as DingTalk's documentation does it, with quote_plus)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, *, kind: str, secret: str, timestamp_ms: int) -> str:
    """The URL to POST to: a DingTalk robot with a secret gets ``timestamp`` and ``sign``."""
    if kind != DINGTALK or not secret:
        return url
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def robot_post(url: str, text: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
    """POST one text message; return only when the robot answered ``errcode`` 0, else raise RobotError."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise RobotError("unsupported URL scheme")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url,
        data=text_payload(text),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        raise RobotError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RobotError(f"connection failed: {type(reason).__name__} {reason}"[:500]) from error
    except ValueError as error:  # a malformed address, e.g. a port that is not a number
        raise RobotError("invalid URL") from error
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise RobotError("answer is not JSON") from error
    errcode = answer.get("errcode") if isinstance(answer, dict) else None
    if errcode != 0:
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise RobotError(f"errcode {errcode}: {errmsg}"[:500])
