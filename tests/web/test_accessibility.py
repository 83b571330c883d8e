"""Every desk page, as every role sees it, passes axe-core (bundled by axe-playwright-python, no network) with no
serious or critical finding: labels, contrast, names, landmarks, lang="zh-CN". Prints the findings per page."""

import re
import time

import pytest

from interfaces.web.views import ROUTE_ROLES
from models.enums import Role
from tests.web.test_access import USER_OF, _url, cases  # noqa: F401  (the cases fixture: one case at every gate)
from tests.web.test_browser import ARGS, CHROMIUM, Role as Person, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
FILES = ("/documents/", "/attachments/", ".docx", ".pdf", ".xlsx")  # downloads, not pages
BLOCKING = ("serious", "critical")


REFUSED_FORMS = {
    Role.clerk: ("/register", {"name": "李四", "id_number": "110105194912310021", "phone": "13800138000",
                               "request_text": "某文件"}, "登记"),
    Role.admin: ("/admin/users", {"username": "clerk", "full_name": "某", "password": "short"}, "添加用户"),
}


def _pages(role: Role, cases) -> list[str]:
    pages = [_url(path, cases) for path, roles in ROUTE_ROLES.items() if role in roles and not any(f in path for f in FILES)]
    if role == Role.department_handler:  # the handler sees only the cases routed to the department
        pages = [p for p in pages if not p.startswith("/cases/")] + [f"/cases/{cases['coordinating']}"]
    if role in (Role.clerk, Role.coordinating_leader, Role.legal_counsel):
        pages += [f"/cases/{cases[gate]}" for gate in ("registered", "review", "coordinating")]
    if role == Role.admin:
        pages += ["/admin/users/dept_ziran"]
    return list(dict.fromkeys(pages))


def _check(page, url: str, findings: dict) -> None:
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    findings[url] = ([v["id"] for v in violations],
                     [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"]) for v in blocking])


def _with_axe(context) -> None:
    """axe-core in every page the context opens (loaded once per navigation, not sent over CDP each time)."""
    from axe_playwright_python.sync_playwright import Axe

    context.add_init_script(Axe().axe_script)


def test_every_page_for_every_role_has_no_serious_accessibility_finding(server, browser, cases, tmp_path, capsys):
    started, report, timings = time.monotonic(), {}, {}
    anonymous = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _with_axe(anonymous)
    page = anonymous.new_page()
    for path in ("/login", "/status"):
        page.goto(server + path)
        _check(page, f"anonymous {path}", report)
    page.get_by_label("申请编号").fill("2026-999999")
    page.get_by_label("查询码").fill("WRONG")
    page.get_by_label("查询码").press("Enter")
    page.wait_for_load_state()
    _check(page, "anonymous /status (not found)", report)
    anonymous.close()
    for role in Role:
        person = Person(browser, server, USER_OF[role], [], tmp_path)
        _with_axe(person.context)
        timings[role.value] = time.monotonic() - started
        for path in _pages(role, cases):
            response = person.page.goto(server + path)
            assert response.status == 200, (role, path)
            _check(person.page, f"{role.value} {path}", report)
        person.page.goto(server + "/cases/2099-000001")  # an error page, logged in
        _check(person.page, f"{role.value} 403", report)
        if role in REFUSED_FORMS:  # a form sent back with its errors beside the fields
            path, fill, button = REFUSED_FORMS[role]
            page = person.go(path)
            for name, value in fill.items():
                page.locator(f'main [name="{name}"]').fill(value)
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state()
            assert page.locator(".field-error").count() >= 1, (role, path)
            _check(page, f"{role.value} {path} (refused)", report)
        person.context.close()
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\naxe-core: {len(report)} pages in {elapsed:.0f} s (findings: all / serious or critical)")
        for url, (found, blocking) in report.items():
            print(f"  {len(found):>2} / {len(blocking)}  {url}  {' '.join(found)}"
                  + "".join(f"\n        {b}" for b in blocking))
        print("  logged in at (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    failing = {url: blocking for url, (_, blocking) in report.items() if blocking}
    assert not failing, failing
    assert all(re.match(r"^(anonymous|[a-z_]+) ", url) for url in report)
