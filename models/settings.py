"""Settings from the environment (or a .env-style file named by GONGKAI_CONFIG)."""

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path


def _from_file(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    values = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def display_url(url: str) -> str:
    """A database URL fit to print or log: the password, if any, is shown as ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy reads: print nothing of it that could be a secret
        return url.split("://", 1)[0] + "://***"


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    jurisdiction: str  # the working-day calendar: national "cn" plus overlays
    calendar_overlays: tuple[str, ...]
    smtp_url: str = ""  # smtp://user:password@host:587 (STARTTLS) or smtps://…:465; empty: no e-mail
    mail_from: str = ""  # the From address of e-mails (默认 gongkai@<smtp host>)
    sms_url: str = ""  # the SMS gateway's HTTP endpoint; empty: no SMS
    # notices.fonts: where converted TrueType faces are kept (made once by `gongkai fonts prepare`, scripts/setup)
    font_dir: Path = Path(sys.prefix) / "share" / "gongkai" / "fonts"
    font_title: str = ""  # an office's own licensed title face (小标宋): FILE or FILE#index for a .ttc
    font_body: str = ""  # an office's own licensed body face (仿宋)
    signing_dir: Path = Path("var/signing")  # notices.signing: <dir>/<agency id>/signer.key + signer.crt
    # The desk's logins (README "Sessions and logins"): whose X-Forwarded-For to believe (addresses or networks;
    # default none), the cookie's Secure flag (None: when the request came over HTTPS), the account lockout.
    trusted_proxies: tuple[str, ...] = ()
    secure_cookies: bool | None = None
    lockout_failures: int = 10
    lockout_minutes: int = 30
    # The path under which the agency's reverse proxy publishes the applicant portal (/gongkai on
    # https://www.example.gov.cn/gongkai/portal): the portal's links carry it on requests from the trusted proxies.
    root_path: str = ""

    @classmethod
    def load(cls, environ=None) -> "Settings":
        settings = cls._load(environ)
        env = dict(environ if environ is not None else os.environ)
        env = {**_from_file(env.get("GONGKAI_CONFIG")), **env}
        return replace(settings, **_login_settings(env))

    @classmethod
    def _load(cls, environ=None) -> "Settings":
        env = dict(environ if environ is not None else os.environ)
        env = {**_from_file(env.get("GONGKAI_CONFIG")), **env}
        var_dir = Path(env.get("GONGKAI_VAR_DIR", "var")).resolve()
        url = env.get("GONGKAI_DATABASE_URL") or f"sqlite:///{var_dir / 'gongkai.db'}"
        overlays = tuple(o for o in env.get("GONGKAI_CALENDAR_OVERLAYS", "").split(",") if o)
        font_dir = env.get("GONGKAI_FONT_DIR")
        return cls(url, var_dir, env.get("GONGKAI_JURISDICTION", "cn"), overlays,
                   smtp_url=env.get("GONGKAI_SMTP_URL", ""), mail_from=env.get("GONGKAI_MAIL_FROM", ""),
                   sms_url=env.get("GONGKAI_SMS_URL", ""),
                   font_dir=Path(font_dir).resolve() if font_dir else cls.font_dir,
                   font_title=env.get("GONGKAI_FONT_TITLE", ""), font_body=env.get("GONGKAI_FONT_BODY", ""),
                   signing_dir=Path(env.get("GONGKAI_SIGNING_DIR") or var_dir / "signing").resolve())


_SECURE = {"auto": None, "": None, "true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _login_settings(env: dict[str, str]) -> dict:
    """GONGKAI_TRUSTED_PROXIES, GONGKAI_SECURE_COOKIES, GONGKAI_LOCKOUT_FAILURES, GONGKAI_LOCKOUT_MINUTES, GONGKAI_ROOT_PATH."""
    import ipaddress
    import re

    from models.errors import ValidationFailed

    proxies = tuple(p.strip() for p in env.get("GONGKAI_TRUSTED_PROXIES", "").split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError as exc:
            raise ValidationFailed(f"GONGKAI_TRUSTED_PROXIES 中的「{proxy}」不是 IP 地址或网段（如 10.0.0.5 或 10.0.0.0/24）。",
                                   f"bad trusted proxy {proxy!r}") from exc
    secure = env.get("GONGKAI_SECURE_COOKIES", "auto").strip().lower()
    if secure not in _SECURE:
        raise ValidationFailed(f"GONGKAI_SECURE_COOKIES 应为 auto、true 或 false，而不是「{secure}」。",
                               f"bad GONGKAI_SECURE_COOKIES {secure!r}")
    numbers = {}
    for name, default in (("GONGKAI_LOCKOUT_FAILURES", 10), ("GONGKAI_LOCKOUT_MINUTES", 30)):
        value = env.get(name, str(default)).strip()
        if not value.isdigit() or int(value) < 1:
            raise ValidationFailed(f"{name} 应为正整数，而不是「{value}」。", f"bad {name} {value!r}")
        numbers[name] = int(value)
    root_path = env.get("GONGKAI_ROOT_PATH", "").strip().rstrip("/")
    if root_path and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", root_path):
        raise ValidationFailed(f"GONGKAI_ROOT_PATH 应为以 / 开头的路径（如 /gongkai），而不是「{root_path}」。",
                               f"bad GONGKAI_ROOT_PATH {root_path!r}")
    return {"trusted_proxies": proxies, "secure_cookies": _SECURE[secure], "root_path": root_path,
            "lockout_failures": numbers["GONGKAI_LOCKOUT_FAILURES"], "lockout_minutes": numbers["GONGKAI_LOCKOUT_MINUTES"]}
