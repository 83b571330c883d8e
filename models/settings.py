"""Settings from the environment (or a .env-style file named by GONGKAI_CONFIG)."""

import os
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    jurisdiction: str  # the working-day calendar: national "cn" plus overlays
    calendar_overlays: tuple[str, ...]
    smtp_url: str = ""  # smtp://user:password@host:587 (STARTTLS) or smtps://…:465; empty: no e-mail
    mail_from: str = ""  # the From address of e-mails (默认 gongkai@<smtp host>)
    sms_url: str = ""  # the SMS gateway's HTTP endpoint; empty: no SMS

    @classmethod
    def load(cls, environ=None) -> "Settings":
        env = dict(environ if environ is not None else os.environ)
        env = {**_from_file(env.get("GONGKAI_CONFIG")), **env}
        var_dir = Path(env.get("GONGKAI_VAR_DIR", "var")).resolve()
        url = env.get("GONGKAI_DATABASE_URL") or f"sqlite:///{var_dir / 'gongkai.db'}"
        overlays = tuple(o for o in env.get("GONGKAI_CALENDAR_OVERLAYS", "").split(",") if o)
        return cls(url, var_dir, env.get("GONGKAI_JURISDICTION", "cn"), overlays,
                   smtp_url=env.get("GONGKAI_SMTP_URL", ""), mail_from=env.get("GONGKAI_MAIL_FROM", ""),
                   sms_url=env.get("GONGKAI_SMS_URL", ""))
