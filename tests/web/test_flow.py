"""One case through every desk page, with TestClient; the browser test repeats it through Chromium."""

import re

from tests.web.conftest import DAY

REGISTRATION = {"channel": "in_person", "arrived_on": DAY.isoformat(), "receipt_date": DAY.isoformat(),
                "kind": "natural_person", "name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X",
                "phone": "13800138000", "request_text": "请公开本区2025年财政预算执行情况报告",
                "requested_form": "paper", "delivery_method": "post"}


def register(clerk) -> str:
    r = clerk.post("/register", REGISTRATION)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[-1]


def act(desk, number, name, data=None, expect=303):
    r = desk.post(f"/cases/{number}/actions/{name}", data or {})
    assert r.status_code == expect, re.sub(r"\s+", " ", r.text)[-2000:]
    return r


def stage_count(supervisor, label: str) -> str:
    page = supervisor.get("/dashboard").text
    return label if label in page else ""


def test_whole_case_through_the_desk(login):
    clerk, dept, counsel, supervisor = login("clerk"), login("dept_ziran"), login("counsel"), login("supervisor")
    number = register(clerk)
    assert "已登记" in supervisor.get("/dashboard").text

    act(clerk, number, "route", {"department": "区自然资源局"})
    assert number in dept.get("/inbox").text
    act(dept, number, "accept_assignment")
    act(dept, number, "submit_opinion", {"opinion": "该信息由我局制作，属于过程性信息。"})
    assert "拟稿中" in supervisor.get("/dashboard").text

    wrong = {"outcome": "art16_2_process_info", "citations": ["36-0-3", "16-1-0"], "reasons": "属于内部研究过程稿。"}
    r = clerk.post(f"/cases/{number}/draft", wrong)
    assert r.status_code == 422 and "第十六条第二款" in r.text, r.text[-1500:]
    check = clerk.post(f"/cases/{number}/draft/check", wrong)
    assert "法律依据校验未通过" in check.text
    fixed = wrong | {"citations": ["36-0-3", "16-2-0"]}
    assert "校验通过" in clerk.post(f"/cases/{number}/draft/check", fixed).text
    assert clerk.post(f"/cases/{number}/draft", fixed).status_code == 303

    act(counsel, number, "return_draft", {"comments": "请写明该过程稿形成的时间和用途。"})
    draft_page = clerk.get(f"/cases/{number}/draft").text
    assert "请写明该过程稿形成的时间和用途" in draft_page
    revised = fixed | {"reasons": "该文件系2025年12月形成的内部研究过程稿，尚未定稿。"}
    assert clerk.post(f"/cases/{number}/draft", revised).status_code == 303
    review = counsel.get(f"/cases/{number}").text
    assert "与上一稿的差异" in review and "尚未定稿" in review
    act(counsel, number, "approve_draft", {"comments": "同意。"})
    act(clerk, number, "issue_reply", expect=403)  # 签发 is the office head's or the leader's (会签办结制度)
    act(login("head"), number, "issue_reply")
    page = clerk.get(f"/cases/{number}").text
    doc = re.search(rf'/cases/{number}/documents/(\d+)', page)
    assert doc, "the issued reply is listed"
    download = clerk.get(doc.group(0))
    assert download.status_code == 200 and download.content[:4] == b"%PDF"
    act(clerk, number, "dispatch", {"method": "post", "dispatched_on": DAY.isoformat(), "tracking_no": "EMS1"})
    delivered = act(clerk, number, "record_delivery", {"delivered_on": DAY.isoformat(), "proof": "邮件签收记录"})
    # the delivery's automatic steps archive the case (the same trigger as under gongkai up, inline here)
    assert "自动步骤已完成" in clerk.get(delivered.headers["location"]).text
    page = clerk.get(f"/cases/{number}").text
    assert "已归档" in page and "归档" in page
    assert "暂无在办申请" in supervisor.get("/dashboard").text
