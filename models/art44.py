"""Art 44: information many applicants ask for → a proposal to publish it proactively (主动公开), the office's decision,
and for later requests in a published cluster the Art 36(1) reply "已主动公开" offered with where it was published.

Art 44(1): 多个申请人就相同政府信息向同一行政机关提出公开申请，且该政府信息属于可以公开的，行政机关可以纳入主动公开的
范围. So a cluster is read within one agency, counts applicants (not requests: one applicant asking three times is
one), and is only a proposal: whether the information may be disclosed and whether to publish it is the office's call.

    clusters(items, …)      pure: requests alike (models.similarity, SIMILAR) linked into groups per agency; a group
                            is proposed when MIN_APPLICANTS different applicants (Applicant.id: registration keeps
                            one record per ID number) are in it
    proposals(session, …)   the agency's requests received in the last WINDOW_DAYS days, not voided and not yet in a
                            decision, clustered
    publish / decline       the decision (one transaction, with its admin_event): published with the publication's
                            location, address and date, or declined with the reason; who and when
    offer_for(session, app) a published decision whose requests the case's request is alike to (or is one of): the
                            drafting page offers the Art 36(1) reply with the location filled in; the clerk accepts
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Column, Float, Index, String, Text
from sqlmodel import Field, Session, SQLModel, col, select

from models.context import Ctx, action
from models.enums import Role, Status
from models.errors import GuardFailed, InvalidFields, NotFound, RoleNotAllowed, ValidationFailed
from models.outcomes import Outcome
from models.similarity import SIMILAR, Idf, Request, compare, features
from models.tables import AdminEvent, Applicant, Application, AwareDateTime

WINDOW_DAYS = 365  # the requests of the last year are read together: the annual report's own period
MIN_APPLICANTS = 3  # "多个申请人": a proposal from three different applicants; the law's floor (two) is LEGAL_MIN
LEGAL_MIN = 2
# Who reads the proposals and decides: the office and the leaders (as for the problem list)
DECIDERS = frozenset({Role.clerk, Role.coordinating_leader, Role.office_head, Role.supervisor})
PUBLISH, DECLINE = "publish", "decline"
REGULATION_START = date(2019, 5, 15)
_URL = re.compile(r"https?://[^\s<>\"']+")
# Features found in more than this share of the window's requests are not used to find candidate pairs (they carry
# little weight: every pair is still compared on all its features once found)
CANDIDATE_MAX_DF = 0.05
CANDIDATE_MIN_DF = 50


class Art44Decision(SQLModel, table=True):
    """The office's decision on a cluster of requests (Art 44): published (where, at which address, on which day) or
    declined (why); who decided and when. Logged as an admin_event of the agency as well.

    `idf` keeps the weights of the members' features in the agency's requests when the decision was made, so that
    later requests are compared with the members as the cluster was found (models.similarity)."""

    __tablename__ = "art44_decision"
    __table_args__ = (Index("ix_art44_decision_agency", "agency_id", "decision"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    decision: str = Field(sa_type=String(10))  # publish | decline
    title: str = Field(sa_type=String(200))  # the information, as the office names it
    application_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    numbers: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    applicants: int  # different applicants among them
    location: str = Field(default="", sa_type=String(300))  # 网站栏目、政府公报、公开查阅点 …
    url: str = Field(default="", sa_type=String(500))
    published_on: date | None = None
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # why not published
    idf: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idf_default: float = Field(sa_column=Column(Float, nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_by_name: str
    decided_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


# --- the clusters (pure) ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One request as the clustering reads it."""

    application_id: int
    agency_id: int
    applicant_id: int
    number: str
    receipt_date: date
    text: str
    applicant_name: str = ""


@dataclass(frozen=True)
class Cluster:
    """Requests of one agency asking for the same information, from `applicants` different applicants."""

    agency_id: int
    items: tuple  # Item, by receipt date
    applicants: int

    @property
    def numbers(self) -> list[str]:
        return [i.number for i in self.items]

    @property
    def first(self) -> date:
        return self.items[0].receipt_date

    @property
    def last(self) -> date:
        return self.items[-1].receipt_date

    @property
    def title(self) -> str:
        """A suggested title: the shortest request (the plainest wording of what they all ask)."""
        return min((i.text for i in self.items), key=len)


def _candidate_pairs(feats: list) -> set[tuple[int, int]]:
    """Pairs sharing at least one feature that is not in a large share of the requests (an inverted index)."""
    postings: dict = {}
    for n, fs in enumerate(feats):
        for f in fs:
            postings.setdefault(f, []).append(n)
    limit = max(CANDIDATE_MIN_DF, int(CANDIDATE_MAX_DF * len(feats)))
    pairs: set = set()
    for ids in postings.values():
        if len(ids) > limit:
            continue
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                pairs.add((a, b))
    return pairs


def _merge_links(links: dict, ga: int, gb: int) -> None:
    """Group gb joins ga: their figures with a third group combine where both are known (sum and least similarity
    are additive over the members); the rest are forgotten and counted again if an edge asks. Only the two groups'
    own neighbours are visited."""
    mine, theirs = links.pop(ga, {}), links.pop(gb, {})
    merged = {third: (mine[third][0] + theirs[third][0], min(mine[third][1], theirs[third][1]))
              for third in (mine.keys() & theirs.keys()) - {ga, gb}}
    for third in (mine.keys() | theirs.keys()) - {ga, gb}:
        links[third].pop(ga, None)
        links[third].pop(gb, None)
        if third in merged:
            links[third][ga] = merged[third]
    links[ga] = merged


def clusters(items: list[Item], *, threshold: float = SIMILAR, min_applicants: int = MIN_APPLICANTS) -> list[Cluster]:
    """The groups of alike requests per agency with at least `min_applicants` different applicants, largest first.

    Average linkage over the similarity (models.similarity.compare, against the idf of the agency's requests given):
    the most alike pairs first, two groups join when their requests are alike on average (≥ `threshold`) and no two
    of them are told apart outright (another year, kind of document, village: similarity 0). Single linkage would
    chain 东关村's requests to 西关村's through one loosely worded request. Agencies never mix: each on its own."""
    found: list[Cluster] = []
    by_agency: dict = {}
    for item in items:
        by_agency.setdefault(item.agency_id, []).append(item)
    for agency_id, mine in by_agency.items():
        feats = [features(i.text) for i in mine]
        idf = Idf.of(feats)
        prepared = [Request.of(i.text, idf) for i in mine]
        scores: dict = {}

        def score(a: int, b: int) -> float:
            key = (a, b) if a < b else (b, a)
            if key not in scores:
                scores[key] = compare(prepared[a], prepared[b])
            return scores[key]

        edges = sorted(((score(a, b), a, b) for a, b in _candidate_pairs(feats)), reverse=True)
        group_of = list(range(len(mine)))
        members: dict = {n: [n] for n in range(len(mine))}
        links: dict = defaultdict(dict)  # group → other group → (sum, min) of their cross similarities, both ways

        def link(ga: int, gb: int) -> tuple[float, float]:
            if gb not in links[ga]:
                cross = [score(x, y) for x in members[ga] for y in members[gb]]
                links[ga][gb] = links[gb][ga] = (sum(cross), min(cross))
            return links[ga][gb]

        for s, a, b in edges:
            if s < threshold:
                break
            ga, gb = group_of[a], group_of[b]
            if ga == gb:
                continue
            total, least = link(ga, gb)
            # average linkage, and no pair the comparison tells apart (another year, kind of document, village …)
            if least <= 0.0 or total / (len(members[ga]) * len(members[gb])) < threshold:
                continue
            _merge_links(links, ga, gb)
            for n in members[gb]:
                group_of[n] = ga
            members[ga] += members.pop(gb)
        groups = {g: [mine[n] for n in ns] for g, ns in members.items()}
        for group in groups.values():
            applicants = len({i.applicant_id for i in group})
            if applicants >= min_applicants:
                found.append(Cluster(agency_id, tuple(sorted(group, key=lambda i: (i.receipt_date, i.number))),
                                     applicants))
    return sorted(found, key=lambda c: (-c.applicants, -len(c.items), c.first, c.numbers))


# --- the reads ----------------------------------------------------------------------------------------------


def decisions(session: Session, *, agency_id: int) -> list[Art44Decision]:
    """The agency's decisions, the latest first."""
    return list(session.exec(select(Art44Decision).where(Art44Decision.agency_id == agency_id)
                             .order_by(col(Art44Decision.id).desc())))


def _decided_ids(session: Session, agency_id: int) -> set[int]:
    return {n for d in decisions(session, agency_id=agency_id) for n in d.application_ids}


def _window_rows(session: Session, *, agency_id: int, today: date, days: int):
    since = today - timedelta(days=days)
    return session.exec(select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
                        .where(Application.agency_id == agency_id, Application.receipt_date >= since,
                               Application.receipt_date <= today, Application.status != Status.voided.value)
                        .order_by(Application.id)).all()


def _item(app: Application, applicant: Applicant) -> Item:
    return Item(app.id, app.agency_id, app.applicant_id, app.number, app.receipt_date, app.request_text,
                applicant.name)


def _check_window(days: int, min_applicants: int) -> None:
    problems = []
    if not 1 <= days <= 3660:
        problems.append(ValidationFailed(f"统计期间应为1至3660天（填写的是{days}）。", "days out of range", field="days"))
    if not LEGAL_MIN <= min_applicants <= 100:
        problems.append(ValidationFailed(f"申请人数下限应为{LEGAL_MIN}至100（《条例》第四十四条“多个申请人”，填写的是"
                                         f"{min_applicants}）。", "min_applicants out of range", field="min_applicants"))
    if problems:
        raise InvalidFields(problems)


def proposals(session: Session, *, agency_id: int, today: date, days: int = WINDOW_DAYS,
              min_applicants: int = MIN_APPLICANTS) -> list[Cluster]:
    """The agency's clusters of the window not yet decided: what the office is asked to consider publishing."""
    _check_window(days, min_applicants)
    decided = _decided_ids(session, agency_id)
    items = [_item(app, applicant) for app, applicant in _window_rows(session, agency_id=agency_id, today=today, days=days)
             if app.id not in decided]
    return clusters(items, min_applicants=min_applicants)


# --- the decision -------------------------------------------------------------------------------------------


def _require_decider(ctx: Ctx) -> None:
    if ctx.actor is None or Role(ctx.actor.role) not in DECIDERS:
        raise RoleNotAllowed("当前用户无权作出主动公开决定（限公开办经办人、分管领导、公开办负责人和督办人员）。",
                             "role may not decide on Art 44 proposals")


def _members(ctx: Ctx, numbers: list[str]) -> list[tuple[Application, Applicant]]:
    """The requests the decision covers: in the actor's agency, not voided, not in an earlier decision, from at least
    two different applicants (Art 44 "多个申请人")."""
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if len(wanted) < LEGAL_MIN:
        raise ValidationFailed("请至少选择两件申请（《条例》第四十四条：多个申请人就相同政府信息提出申请）。",
                               "fewer than two requests", field="numbers")
    rows = ctx.session.exec(
        select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.agency_id == ctx.scope, col(Application.number).in_(wanted))).all()
    found = {app.number for app, _ in rows}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise NotFound(f"本机关没有编号为 {'、'.join(missing)} 的申请。", f"no applications {missing}")
    voided = [app.number for app, _ in rows if Status(app.status) == Status.voided]
    if voided:
        raise GuardFailed(f"申请 {'、'.join(voided)} 已登记作废，不能纳入。", f"voided {voided}")
    decided = _decided_ids(ctx.session, ctx.scope)
    again = [app.number for app, _ in rows if app.id in decided]
    if again:
        raise GuardFailed(f"申请 {'、'.join(again)} 已在此前的主动公开决定中，不能重复决定。", f"already decided {again}")
    if len({app.applicant_id for app, _ in rows}) < LEGAL_MIN:
        raise GuardFailed("所选申请来自同一申请人，不属于《条例》第四十四条“多个申请人”的情形。", "one applicant only")
    return sorted(rows, key=lambda r: (r[0].receipt_date, r[0].number))


def _text(value: str, what: str, field: str, limit: int, problems: list) -> str:
    value = (value or "").strip()
    if not value:
        problems.append(ValidationFailed(f"请填写{what}。", f"no {field}", field=field))
    elif len(value) > limit:
        problems.append(ValidationFailed(f"{what}不能超过{limit}字。", f"{field} too long", field=field))
    return value


def _profile(ctx: Ctx, rows, today: date) -> tuple[dict, float]:
    """The idf of the agency's requests of the window, kept for the members' features: later requests are compared
    with the members on the weights the cluster was found with."""
    window = [app.request_text for app, _ in _window_rows(ctx.session, agency_id=ctx.scope, today=today,
                                                          days=WINDOW_DAYS)]
    member_feats = [features(app.request_text) for app, _ in rows]
    idf = Idf.of([features(t) for t in window]).restricted(member_feats)
    return idf.weights, idf.default


def _record(ctx: Ctx, rows, *, decision: str, title: str, data: dict, **fields) -> Art44Decision:
    weights, default = _profile(ctx, rows, ctx.today)
    row = Art44Decision(agency_id=ctx.scope, decision=decision, title=title,
                        application_ids=[app.id for app, _ in rows], numbers=[app.number for app, _ in rows],
                        applicants=len({app.applicant_id for app, _ in rows}), idf=weights, idf_default=default,
                        decided_by_id=ctx.actor.id, decided_by_name=ctx.actor.full_name, decided_at=ctx.now, **fields)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.session.add(AdminEvent(agency_id=ctx.scope, action=f"art44_{decision}", actor_id=ctx.actor.id,
                               actor_name=ctx.actor.full_name, at=ctx.now,
                               data={"decision_id": row.id, "title": title, "numbers": row.numbers,
                                     "applicants": row.applicants, **data}))
    return row


@action
def publish(ctx: Ctx, *, numbers: list[str], title: str, location: str, published_on: date | None,
            url: str = "") -> Art44Decision:
    """Decide to publish (主动公开, Art 44): what, where (the location and its address) and on which day."""
    _require_decider(ctx)
    problems: list = []
    title = _text(title, "公开的信息名称", "title", 200, problems)
    location = _text(location, "公开的位置（网站栏目、公报、公开查阅点等）", "location", 300, problems)
    url = (url or "").strip()
    if url and (len(url) > 500 or not _URL.fullmatch(url)):
        problems.append(ValidationFailed("网址应以 http:// 或 https:// 开头，且不含空格。", "bad url", field="url"))
    if published_on is None:
        problems.append(ValidationFailed("请填写主动公开的日期。", "no published_on", field="published_on"))
    elif published_on > ctx.today:
        problems.append(ValidationFailed(f"公开日期（{published_on}）不能晚于今天（{ctx.today}）：请在公开后登记。",
                                         "published in the future", field="published_on"))
    elif published_on < REGULATION_START:
        problems.append(ValidationFailed("公开日期早于《条例》施行之日（2019年5月15日）。", "before the regulation",
                                         field="published_on"))
    if problems:
        raise InvalidFields(problems)
    rows = _members(ctx, numbers)
    return _record(ctx, rows, decision=PUBLISH, title=title, location=location, url=url, published_on=published_on,
                   data={"location": location, "url": url, "published_on": published_on.isoformat()})


@action
def decline(ctx: Ctx, *, numbers: list[str], reason: str, title: str = "") -> Art44Decision:
    """Decide not to publish, with the reason (e.g. the information may not be disclosed: Art 44 "属于可以公开的")."""
    _require_decider(ctx)
    problems: list = []
    reason = _text(reason, "不予主动公开的理由", "reason", 2000, problems)
    if problems:
        raise InvalidFields(problems)
    rows = _members(ctx, numbers)
    title = (title or "").strip()[:200] or min((app.request_text for app, _ in rows), key=len)[:200]
    return _record(ctx, rows, decision=DECLINE, title=title, reason=reason, data={"reason": reason})


# --- the offer on the drafting page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """The Art 36(1) reply offered for a case: the information is already public there."""

    decision_id: int
    title: str
    location: str
    url: str
    published_on: date
    matched: str  # the member request's number the case is alike to (the case's own number when it is a member)
    similarity: float
    outcome: Outcome = Outcome.already_public

    @property
    def access(self) -> str:
        """How and where the applicant obtains it (Art 36(1) "告知申请人获取该政府信息的方式、途径"): the body."""
        where = f"{self.location}（网址：{self.url}）" if self.url else self.location
        day = f"{self.published_on.year}年{self.published_on.month}月{self.published_on.day}日"
        return f"{where}查阅，本机关已于{day}主动公开《{self.title}》"


def offer_for(session: Session, app: Application, *, today: date) -> Offer | None:
    """The published decision of the case's agency its request falls in, published on or before today: the case is
    one of its requests, or would have joined them (alike to them on average and told apart from none, on the
    weights kept with the decision, as in `clusters`); the most alike decision when several."""
    best: Offer | None = None
    rows = session.exec(select(Art44Decision).where(Art44Decision.agency_id == app.agency_id,
                                                    Art44Decision.decision == PUBLISH,
                                                    Art44Decision.published_on <= today)
                        .order_by(Art44Decision.id)).all()
    if not rows:
        return None
    for d in rows:
        if app.id in d.application_ids:
            score, matched = 1.0, app.number
        else:
            idf = Idf(d.idf, d.idf_default)
            mine = Request.of(app.request_text, idf)
            members = session.exec(select(Application.number, Application.request_text)
                                   .where(col(Application.id).in_(d.application_ids))).all()
            scored = [(compare(mine, Request.of(text, idf)), number) for number, text in members]
            if not scored or min(s for s, _ in scored) <= 0.0:
                continue  # told apart from one of them outright (another village, year, kind of document)
            # as a request joins a cluster (clusters): alike to its requests on average
            score, matched = sum(s for s, _ in scored) / len(scored), max(scored)[1]
        if score >= SIMILAR and (best is None or score > best.similarity):
            best = Offer(d.id, d.title, d.location, d.url, d.published_on, matched, round(score, 3))
    return best
