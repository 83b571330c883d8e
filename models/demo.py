"""The demo agency: a district government with its departments, one user per role and a handler in every department."""

from sqlmodel import Session, select

from models.admin import add_agency, add_department, add_user
from models.enums import Role
from models.tables import Agency

DEMO_AGENCY = "示范区人民政府"
DEMO_PASSWORD = "gongkai-demo"
DEPARTMENTS = ("区自然资源局", "区住房和城乡建设局", "区生态环境局", "区财政局", "区司法局")
USERS = (
    ("clerk", "王经办", Role.clerk, None, False),
    ("dept_ziran", "李承办", Role.department_handler, "区自然资源局", False),
    ("dept_zhujian", "赵承办", Role.department_handler, "区住房和城乡建设局", False),
    ("dept_shengtai", "钱承办", Role.department_handler, "区生态环境局", False),
    ("dept_caizheng", "孙承办", Role.department_handler, "区财政局", False),
    ("dept_sifa", "郑承办", Role.department_handler, "区司法局", False),
    ("counsel", "陈律师", Role.legal_counsel, None, False),
    ("gov_counsel", "周顾问", Role.legal_counsel, None, True),
    ("leader", "刘副区长", Role.coordinating_leader, None, False),
    ("head", "孙主任", Role.office_head, None, False),
    ("supervisor", "吴督办", Role.supervisor, None, False),
    ("admin", "系统管理员", Role.admin, None, False),
)
PHONES = {"clerk": "0539-8123457"}  # the clerk's direct line: the 联系电话 on the notices he issues


def seed_demo(session: Session, *, password_hash: str | None = None) -> bool:
    """Create the demo agency once; False when it already exists."""
    if session.exec(select(Agency).where(Agency.name == DEMO_AGENCY)).first():
        return False
    add_agency(
        session, name=DEMO_AGENCY, disclosure_office="示范区人民政府办公室（区政务公开办）",
        address="示范市示范区人民路1号", phone="0539-8123456", reconsideration_body="示范市人民政府",
        court="示范市中级人民法院", doc_number_prefix="示政公开", seal_text="示范区人民政府",
        contact_person="王经办", status_url="http://127.0.0.1:8000/status",
        fee_payee="示范区财政局", fee_bank="中国工商银行示范区支行", fee_account="1610 0012 0900 0012 345",
        fee_payment_code="3713020000000001", fee_payment_place="示范区政务服务中心一楼财政窗口，或各代理银行网点",
    )
    for name in DEPARTMENTS:
        add_department(session, agency=DEMO_AGENCY, name=name)
    for username, full_name, role, department, government_counsel in USERS:
        add_user(session, username=username, full_name=full_name, role=role, agency=DEMO_AGENCY,
                 department=department, password_hash=password_hash, government_counsel=government_counsel,
                 phone=PHONES.get(username, ""))
    return True
