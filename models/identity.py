"""Who a case is, and which installation it belongs to.

A case number (2026-000123) is unique only within its agency: an installation serves many agencies, each
counting from 000001 every year. So a case is named by agency and number everywhere a machine reads it:
run parameters, notification keys, archive paths, the public status page. `CaseRef` is that name.

The installation's identity is a random id written once into its database (migration 0007); runs carry
it, so a run sent to another installation's server refuses to act on a case it does not know.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models.errors import NotFound, ValidationFailed, WrongInstallation
from models.tables import Application, Installation

NUMBER = re.compile(r"\d{4}-\d{6}")  # the application number models.registration allocates


@dataclass(frozen=True)
class CaseRef:
    """A case, unique in the whole installation: its agency's id and its number."""

    agency_id: int
    number: str

    @property
    def key(self) -> str:
        """`3/2026-000123`: the form used in notification keys, run tags and logs."""
        return f"{self.agency_id}/{self.number}"

    def __str__(self) -> str:
        return self.key

    @classmethod
    def of(cls, app: Application) -> "CaseRef":
        return cls(app.agency_id, app.number)

    @classmethod
    def parse(cls, text: str) -> "CaseRef":
        """`3/2026-000123` back into a CaseRef; anything else is refused (nothing is guessed)."""
        agency, _, number = (text or "").partition("/")
        if not (agency.isascii() and agency.isdigit() and NUMBER.fullmatch(number)):
            raise ValidationFailed(f"案件标识「{text}」格式不正确，应为“机关编号/申请编号”。", f"bad case key {text!r}")
        return cls(int(agency), number)


def installation(session: Session) -> Installation:
    found = session.exec(select(Installation)).first()
    if found is None:
        raise NotFound("数据库缺少安装标识，请先运行 gongkai init。", "no installation row")
    return found


def installation_id(session: Session) -> str:
    return installation(session).id


def ensure_installation(session: Session, expected: str) -> None:
    """A workflow run acts only on the database it was triggered for."""
    actual = installation_id(session)
    if actual != expected:
        raise WrongInstallation(
            f"此流程运行属于另一套安装（{expected[:8]}），本机数据库为 {actual[:8]}，已拒绝执行，未改动任何案件。"
            "请检查 PREFECT_API_URL 与 GONGKAI_DATABASE_URL 是否指向同一套安装。",
            f"run for installation {expected}, database is {actual}",
        )


def record_prefect_api(session: Session, url: str | None, *, now: datetime) -> None:
    """`gongkai up` records the Prefect API it started (None when it stops)."""
    row = installation(session)
    row.prefect_api_url = url
    row.prefect_api_since = now if url else None
    session.add(row)
    session.commit()
