"""The trigger outbox: every human action that makes automatic steps due leaves a row in its own transaction.

    a human action commits      → its Events and one CaseTrigger per case, together (with_the_action below)
    workflows.trigger delivers  → a run on Prefect keyed by `CaseTrigger.key` (a retried delivery finds the same run)
      or runs it inline         → claims it first (delivered to itself), so a reconcile beside it leaves it alone
    the run finishes the case   → done_at (mark_done: every trigger of the case the run's plan covered)
    workflows.engine.reconcile  → delivers what was never delivered, re-delivers what was delivered and never done

So a trigger is never lost: a server outage, a killed desk or a failed delivery leaves an undelivered row that the
next reconcile (every few minutes, and at `gongkai up` start) drains. Rows are written and updated with plain SQL
(`update`), never as dirty ORM objects, so they stay out of the case's audit chain (models.audit).
"""

from datetime import datetime, timedelta

from sqlalchemy import Column, Index, String, and_, func, or_, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, select

from models.tables import SHANGHAI, Application, AwareDateTime, Event

# Actions after which nothing automatic can be due: no trigger, so a lifecycle stays within a handful of runs.
# `archive` is the run's own step, recorded in the name of the clerk whose 送达 or 撤回 allowed it: its trigger would
# outlive the run that made it, and a reconcile would deliver one more run per case that finds nothing to do (a run
# that died between the archive and its package row is caught up by the reconcile's look for due steps).
NO_AUTOMATIC_STEP = frozenset({"accept_assignment", "set_litigation_prone", "record_challenge", "decide_challenge",
                               "archive"})
# The documents that must exist when the human action returns, made in the same request right after it commits
# (workflows.trigger.after_action): the 接收回执 the counter prints, the 交办单 and 协调函 the departments act on.
IMMEDIATE_DOCUMENTS = frozenset({"receipt", "routing", "coordination"})
# Which automatic step runs where (docs/lifecycle.md is generated from this, by models.diagram).
WHERE_STEPS_RUN: tuple[tuple[str, str, str], ...] = (
    ("触发记录 CaseTrigger", "人工操作自身的事务（与其事件一同提交）", "触发不会丢失：投递失败时由补办投递"),
    ("接收回执、交办单、协调函", "同一请求内、操作提交之后立即生成（workflows.trigger）", "登记页面返回时回执已在案件页"),
    ("其余文书（补正告知书、收费通知书、延期告知书、送达回证等）", "Prefect 任务进程：advance-case 流程运行「编号 · 步骤」",
     "按数据行生成，重复运行不重复"),
    ("通知（站内、短信、邮件）", "Prefect 任务进程：advance-case（发送失败按渠道重试）", "以通知键去重"),
    ("归档打包", "Prefect 任务进程：advance-case（送达或撤回之后）", "同一案件同一时间只有一个运行（全局并发限制）"),
    ("晨检（期限提醒、逾期处理、审计核验）", "Prefect serve()：morning-sweep，每日 07:30", "非工作日只做审计核验"),
    ("补办（未投递的触发、中断的运行）", "Prefect serve()：reconcile，每分钟；gongkai up 启动时先补办一次",
     "投递失败或运行中断后数分钟内补齐"),
    ("批量登记", "Prefect serve()：batch-intake（每件登记后立即生成回执、交办单和通知）", "与单件登记相同"),
    ("周调度、月检查、季通报（PDF、XLSX）", "Prefect serve()：weekly-dispatch 每周一 08:00；monthly-check 每月第一个工作日；"
     "quarterly-bulletin 每季度结束后第一个工作日", "写入 GONGKAI_VAR_DIR/reports/periodic，重复运行整体替换同名文件"),
)
# Delivered but not done after this long: the run died (its task worker killed, or the server with its in-memory
# queue of deferred runs), so the next reconcile delivers it again. A run normally ends within seconds (a burst of
# 40 registrations: p95 5.7 s); one that was only slow runs twice, which adds nothing (every step is idempotent).
# With the reconcile every minute, a case is whole again within ≈ 45 + 60 s of the fault (the 2-minute target).
STRANDED = timedelta(seconds=45)
STRANDED_DOUBLINGS = 5  # a trigger delivered again and again waits twice as long each round, up to 2⁵ × STRANDED


class CaseTrigger(SQLModel, table=True):
    """One human action's automatic steps, to be run once on Prefect (or inline)."""

    __tablename__ = "case_trigger"
    __table_args__ = (Index("ix_case_trigger_open", "done_at", "delivered_at"),)
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    action: str = Field(sa_type=String(40))  # the action's first Event (its label names the run: 2026-000123 · 登记)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    done_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    attempts: int = 0  # deliveries tried (a failed one keeps its error in last_error)
    round: int = 0  # raised when a stranded run is delivered again: a new run, under a new key
    last_error: str = ""

    def key(self, installation: str) -> str:
        """The run's idempotency key: one run per trigger and round, however often the client retries."""
        return f"trigger:{installation}:{self.id}:{self.round}"


def needs_run(action: str) -> bool:
    return action not in NO_AUTOMATIC_STEP


_TRIGGERED = "case_triggers_in_transaction"


def with_the_action(session: OrmSession, event: Event) -> None:
    """A human action's Event brings one trigger for its case into the same transaction (the system's do not);
    an action that records several events (承办意见 then 承办意见齐备) still brings one. Called by
    models.lifecycle.record, where every Event is made."""
    have = session.info.setdefault(_TRIGGERED, set())
    if event.actor_id is not None and event.application_id not in have and needs_run(event.action):
        session.add(CaseTrigger(application_id=event.application_id, action=event.action, created_at=event.at))
        have.add(event.application_id)


@sa_event.listens_for(OrmSession, "after_commit")
@sa_event.listens_for(OrmSession, "after_rollback")
def _transaction_over(session):
    session.info.pop(_TRIGGERED, None)


def wall_clock() -> datetime:
    """When a trigger was delivered or done: real time, not the domain's `now` (the bench reads the difference)."""
    return datetime.now(SHANGHAI)


def open_for(session: Session, application_id: int) -> list[CaseTrigger]:
    """The case's triggers not done yet, oldest first."""
    return list(session.exec(select(CaseTrigger).where(CaseTrigger.application_id == application_id,
                                                       CaseTrigger.done_at.is_(None)).order_by(CaseTrigger.id)))


def last_open_id(session: Session, application_id: int) -> int | None:
    """The newest open trigger a run's plan covers: the run marks it and every older one done when it ends."""
    return session.exec(select(func.max(CaseTrigger.id)).where(CaseTrigger.application_id == application_id,
                                                               CaseTrigger.done_at.is_(None))).one()


def mark_delivered(session: Session, trigger_id: int, *, error: str = "") -> None:
    """One delivery attempt: delivered when `error` is empty, else the error kept for the next reconcile."""
    values = {"attempts": CaseTrigger.attempts + 1, "last_error": error[:500]}
    if not error:
        values["delivered_at"] = wall_clock()
    session.execute(update(CaseTrigger).where(CaseTrigger.id == trigger_id).values(**values))
    session.commit()


def claim(session: Session, trigger_ids: list[int]) -> None:
    """The acting process runs these triggers' steps itself (inline): they are delivered to it now, so a reconcile
    beside it leaves them alone, and delivers them again only if that process dies (STRANDED)."""
    if trigger_ids:
        session.execute(update(CaseTrigger).where(CaseTrigger.id.in_(trigger_ids), CaseTrigger.delivered_at.is_(None))
                        .values(attempts=CaseTrigger.attempts + 1, delivered_at=wall_clock()))
        session.commit()


def claimed(session: Session, trigger_id: int) -> bool:
    """Delivered since it was read: the process that made it runs it inline (claim), or another reconcile did."""
    return session.exec(select(CaseTrigger.delivered_at).where(CaseTrigger.id == trigger_id)).one() is not None


def mark_done(session: Session, application_id: int, *, upto: int | None) -> int:
    """The run finished every step its plan saw: the case's triggers up to `upto` are done."""
    if upto is None:
        return 0
    count = session.execute(update(CaseTrigger).where(CaseTrigger.application_id == application_id,
                                                      CaseTrigger.id <= upto, CaseTrigger.done_at.is_(None))
                            .values(done_at=wall_clock())).rowcount
    session.commit()
    return count


def next_round(session: Session, trigger: CaseTrigger) -> None:
    """A stranded trigger (delivered, never done) gets a fresh key, so Prefect creates a new run for it."""
    trigger.round += 1
    session.execute(update(CaseTrigger).where(CaseTrigger.id == trigger.id).values(round=trigger.round))
    session.commit()


def to_deliver(session: Session, *, now: datetime) -> list[tuple[CaseTrigger, Application]]:
    """Never delivered, or delivered and stranded (the run died): oldest first."""
    return list(session.exec(
        select(CaseTrigger, Application).join(Application, Application.id == CaseTrigger.application_id)
        .where(CaseTrigger.done_at.is_(None), or_(CaseTrigger.delivered_at.is_(None), _stranded(now)))
        .order_by(CaseTrigger.id)))


def _stranded(now: datetime):
    """Delivered and not done for longer than STRANDED, doubled for every round it was delivered again: a case whose
    runs cannot finish (each new run waits for the last) gets a new run less and less often, at most every
    STRANDED × 2⁵ (24 minutes), instead of one more waiting run a minute."""
    rounds = [and_(CaseTrigger.round == r, CaseTrigger.delivered_at < now - STRANDED * 2 ** r)
              for r in range(STRANDED_DOUBLINGS)]
    last = now - STRANDED * 2 ** STRANDED_DOUBLINGS
    return or_(*rounds, and_(CaseTrigger.round >= STRANDED_DOUBLINGS, CaseTrigger.delivered_at < last))
