"""The portal's challenge: a small sum written in Chinese characters, signed with the installation's secret key.

No outside service (no CAPTCHA provider, no script from elsewhere): the question is made from a random nonce and the
secret key, the form carries only the nonce, the time and an HMAC, and the server recomputes the answer. Nothing is
stored until the form is used; a solved challenge then becomes the application's one-time form token
(Application.form_token, unique), so one answer registers at most one application.

Why it is enough here: it is not meant to stop a person, or a program written for this one site, from submitting;
it stops generic form-spam robots that post whatever form they find (they neither read Chinese numerals nor keep the
signed token with its answer). What a purpose-built program can still do is bounded elsewhere: submissions per client
per hour (a forged X-Forwarded-For does not make a new client), the request size cap, and the clerk's confirmation
(Art 31(3)): nothing submitted online starts a legal clock or enters a statistic until a clerk confirms it.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.errors import ValidationFailed

DIGITS = "零一二三四五六七八九十"
FIELD = "challenge_answer"


@dataclass(frozen=True)
class Challenge:
    question: str  # 「七加五等于几？」
    token: str  # "<issued unix time>.<nonce>.<hmac>": what the form carries back


class Challenges:
    def __init__(self, secret_key: str, *, now: Callable[[], datetime], ttl: timedelta = timedelta(hours=2)):
        self._key = hashlib.sha256(("gongkai-portal-challenge|" + secret_key).encode()).digest()
        self._now = now
        self.ttl = ttl

    def _operands(self, nonce: str) -> tuple[int, int, str]:
        digest = hmac.new(self._key, f"q|{nonce}".encode(), hashlib.sha256).digest()
        a, b = 1 + digest[0] % 9, 1 + digest[1] % 9
        if digest[2] % 2 and a != b:  # a difference, never negative
            return max(a, b), min(a, b), "减"
        return a, b, "加"

    def question(self, nonce: str) -> str:
        a, b, op = self._operands(nonce)
        return f"{DIGITS[a]}{op}{DIGITS[b]}等于几？"

    def _answer(self, nonce: str) -> int:
        a, b, op = self._operands(nonce)
        return a + b if op == "加" else a - b

    def _mac(self, issued: int, nonce: str) -> str:
        return hmac.new(self._key, f"t|{issued}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> Challenge:
        nonce = secrets.token_urlsafe(16)
        issued = int(self._now().timestamp())
        return Challenge(self.question(nonce), f"{issued}.{nonce}.{self._mac(issued, nonce)}")

    def reissue(self, token: str) -> Challenge:
        """The same challenge again when a form comes back with other errors, if its token is genuine and fresh."""
        try:
            return Challenge(self.question(self._genuine(token)), token)
        except ValidationFailed:
            return self.issue()

    def _genuine(self, token: str) -> str:
        parts = (token or "").split(".")
        if len(parts) != 3 or not parts[0].isdigit():
            raise ValidationFailed("验证问题已失效，请回答页面上新的问题。", "malformed challenge token", field=FIELD)
        issued, nonce, mac = int(parts[0]), parts[1], parts[2]
        if not hmac.compare_digest(mac, self._mac(issued, nonce)):
            raise ValidationFailed("验证问题已失效，请回答页面上新的问题。", "forged challenge token", field=FIELD)
        age = self._now().timestamp() - issued
        if age < 0 or age > self.ttl.total_seconds():
            raise ValidationFailed("页面停留时间过长，验证问题已过期，请回答页面上新的问题。", "expired challenge", field=FIELD)
        return nonce

    def check(self, token: str, answer: str) -> str:
        """The nonce of a genuine, fresh, correctly answered challenge (the form's one-time token), or refused."""
        nonce = self._genuine(token)
        given = (answer or "").strip()
        if not given.isdigit() or not given.isascii() or int(given) != self._answer(nonce):
            raise ValidationFailed("验证问题的答案不正确，请用阿拉伯数字填写（如 12）。", "wrong challenge answer",
                                   field=FIELD)
        return nonce
