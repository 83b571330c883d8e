"""gongkai art44 proposals / publish / decline / decisions / offer: Art 44 (依申请公开转主动公开) from the command line.

Thin over models.art44.
"""

import typer

from interfaces.cli.runtime import JSON, USER, context, emit, parse_day

app = typer.Typer(help="依申请公开转主动公开（《条例》第四十四条）：同类申请归类建议、公开决定、已主动公开答复建议",
                  no_args_is_help=True)
NUMBERS = typer.Argument(..., help="纳入决定的申请编号（至少两件，来自不同申请人）")


@app.command("proposals")
def proposals(days: int = typer.Option(365, help="统计期间：最近天数"),
              min_applicants: int = typer.Option(3, "--min-applicants", help="申请人数下限（不少于2）"),
              user: str = USER, as_json: bool = JSON) -> None:
    """列出本机关待决定的同类申请（不同申请人就相同信息提出的申请）。"""
    from models.art44 import proposals as found

    with context(user) as ctx:
        clusters = found(ctx.session, agency_id=ctx.actor.agency_id, today=ctx.today, days=days,
                         min_applicants=min_applicants)
    data = [{"applicants": c.applicants, "numbers": c.numbers, "title": c.title, "first": c.first, "last": c.last,
             "requests": [{"number": i.number, "receipt_date": i.receipt_date, "text": i.text} for i in c.items]}
            for c in clusters]
    lines = [f"建议{n}：{c.applicants} 位申请人、{len(c.items)} 件申请（{'、'.join(c.numbers)}）：{c.title}"
             for n, c in enumerate(clusters, start=1)] or ["统计期间内没有达到人数下限的同类申请。"]
    emit({"proposals": data}, as_json=as_json, lines=lines)


@app.command("publish")
def publish(numbers: list[str] = NUMBERS, title: str = typer.Option(..., help="公开的信息名称"),
            location: str = typer.Option(..., help="公开的位置（网站栏目、政府公报、查阅点）"),
            url: str = typer.Option("", help="网址"), on: str = typer.Option(..., help="公开日期 YYYY-MM-DD"),
            user: str = USER, as_json: bool = JSON) -> None:
    """登记主动公开决定：信息名称、公开位置、网址和日期。"""
    from models.art44 import publish as decide

    day = parse_day(on, "公开日期")
    with context(user) as ctx:
        d = decide(ctx, numbers=numbers, title=title, location=location, url=url, published_on=day)
        emit({"id": d.id, "decision": d.decision, "numbers": d.numbers, "published_on": d.published_on},
             as_json=as_json, lines=[f"已登记主动公开《{d.title}》（{d.location}，{d.published_on}），"
                                     f"涉及申请 {'、'.join(d.numbers)}。"])


@app.command("decline")
def decline(numbers: list[str] = NUMBERS, reason: str = typer.Option(..., help="不予主动公开的理由"),
            user: str = USER, as_json: bool = JSON) -> None:
    """登记不予主动公开的决定及理由。"""
    from models.art44 import decline as decide

    with context(user) as ctx:
        d = decide(ctx, numbers=numbers, reason=reason)
        emit({"id": d.id, "decision": d.decision, "numbers": d.numbers, "reason": d.reason}, as_json=as_json,
             lines=[f"已登记不予主动公开（{d.reason}），涉及申请 {'、'.join(d.numbers)}。"])


@app.command("decisions")
def decisions(user: str = USER, as_json: bool = JSON) -> None:
    """查看本机关已作出的主动公开决定。"""
    from models.art44 import decisions as found

    with context(user) as ctx:
        rows = found(ctx.session, agency_id=ctx.actor.agency_id)
    data = [{"id": d.id, "decision": d.decision, "title": d.title, "numbers": d.numbers, "location": d.location,
             "url": d.url, "published_on": d.published_on, "reason": d.reason, "by": d.decided_by_name,
             "at": d.decided_at} for d in rows]
    lines = [f"{d.id}　{'主动公开' if d.decision == 'publish' else '不予主动公开'}　{d.title}　"
             + (f"{d.location} {d.url} {d.published_on}" if d.decision == "publish" else d.reason)
             + f"　{d.decided_by_name} {d.decided_at:%Y-%m-%d %H:%M}" for d in rows] or ["尚无决定。"]
    emit({"decisions": data}, as_json=as_json, lines=lines)


@app.command("offer")
def offer(number: str = typer.Argument(..., help="申请编号"), user: str = USER, as_json: bool = JSON) -> None:
    """该申请是否属于已主动公开的信息：有则给出“已主动公开”答复的获取途径（由经办人决定是否采用）。"""
    from models.art44 import offer_for
    from models.queries import application_by_number

    with context(user) as ctx:
        app_row = application_by_number(ctx.session, number, agency_id=ctx.actor.agency_id)
        found = offer_for(ctx.session, app_row, today=ctx.today)
    if found is None:
        emit({"number": number, "offer": None}, as_json=as_json, lines=[f"申请 {number} 不属于已主动公开的同类信息。"])
        return
    emit({"number": number, "offer": {"decision_id": found.decision_id, "outcome": found.outcome.value,
                                      "body": found.access, "matched": found.matched}}, as_json=as_json,
         lines=[f"建议按“已主动公开”答复（《条例》第三十六条第（一）项）：gongkai submit {number} "
                f"--outcome {found.outcome.value} --body \"{found.access}\""])
