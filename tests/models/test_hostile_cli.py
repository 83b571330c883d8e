"""The CLI against hostile and careless input (issue 13): a Chinese message and exit 1 or 2, never a traceback,
nothing half-written, and nothing printed with raw control characters. In process (typer's CliRunner)."""

import json
import sqlite3

import pytest
from sqlalchemy import create_engine, func, select
from sqlmodel import SQLModel
from typer.testing import CliRunner

import models.all_tables  # noqa: F401  (every table in the metadata, for the row counts)
from interfaces.cli.main import register as gongkai_app
from models.demo import DEMO_AGENCY

REGISTER = ("register", "--agency", DEMO_AGENCY, "--name", "张三", "--phone", "13800138000", "--text", "请公开预算报告")


class Gongkai:
    """`gongkai` in process on one database of its own, `today` pinned, the clerk acting."""

    def __init__(self, folder):
        self.db = folder / "gongkai.db"
        self.env = {"GONGKAI_DATABASE_URL": f"sqlite:///{self.db}", "GONGKAI_VAR_DIR": str(folder / "var"),
                    "GONGKAI_ENGINE": "inline", "GONGKAI_TODAY": "2026-03-02", "GONGKAI_USER": "clerk"}
        self.app = gongkai_app()

    def __call__(self, *args, code: int = 0):
        result = CliRunner().invoke(self.app, list(args), env=self.env)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        assert result.exit_code == code, result.output
        return result

    def rows(self) -> dict[str, int]:
        engine = create_engine(f"sqlite:///{self.db}")
        with engine.connect() as c:
            counts = {t.name: c.execute(select(func.count()).select_from(t)).scalar() for t in SQLModel.metadata.sorted_tables}
        engine.dispose()
        return counts


@pytest.fixture(scope="module")
def gongkai(tmp_path_factory):
    run = Gongkai(tmp_path_factory.mktemp("hostile-cli"))
    run("init", "--demo")
    return run


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


FILES = [
    ("a-list", b"[]", "登记文件应为一个 JSON 对象（{…}），不能是数组"),
    ("a-string", b'"x"', "不能是文字"),
    ("not-json", b"{name: 1}", "不是有效的 JSON"),
    ("invalid-utf8", '{"request_text": "请公开'.encode() + b"\xff\xfe" + b'"}', "不是有效的 UTF-8 编码"),
    ("name-a-number", b'{"applicant": {"name": 12345}}', "申请人姓名或名称应为文字，不能是数字（12345）"),
    ("agency-a-list", b'{"agency": ["x"]}', "机关应为文字，不能是数组"),
    ("consent-no", b'{"delivery_method": "email", "electronic_delivery_consent": "no"}',
     "申请人同意电子送达应为 true 或 false（或「是」「否」），填写的是「no」"),
    ("year-one", b'{"arrived_on": "0001-01-01"}', "早于《条例》（2019年修订）施行之日"),
    ("ansi-in-name", b'{"applicant": {"name": "\\u001b[2J\\u001b[31m"}}', "含有控制字符（\\x1b）"),
]


@pytest.mark.parametrize("content, words", [f[1:] for f in FILES], ids=[f[0] for f in FILES])
def test_a_hostile_registration_file_is_refused_in_chinese_with_exit_1_and_nothing_written(gongkai, tmp_path, content,
                                                                                          words):
    before = gongkai.rows()
    result = gongkai(*REGISTER, "--file", write(tmp_path, "a.json", content), code=1)
    assert result.stderr.startswith("错误：") and words in result.stderr, result.stderr
    assert "\x1b" not in result.output and gongkai.rows() == before


ARGUMENTS = [
    ("bad-channel", ("--channel", "pigeon"), "递交渠道「pigeon」无效"),
    ("bad-delivery", ("--delivery", "carrier-pigeon"), "送达方式「carrier-pigeon」无效"),
    ("bad-date", ("--arrived", "2026-02-30"), "到达日期「2026-02-30」不是 YYYY-MM-DD 格式"),
    ("nul-in-name", ("--name", "张\x00三"), "含有控制字符（\\x00）"),
    ("ansi-in-text", ("--text", "\x1b]0;owned\x07请公开"), "含有控制字符（\\x07、\\x1b）"),
    ("invalid-utf8-argument", ("--name", "张\udcff"), "含有无效字符（不是有效的 UTF-8 编码）"),
]


@pytest.mark.parametrize("extra, words", [a[1:] for a in ARGUMENTS], ids=[a[0] for a in ARGUMENTS])
def test_a_hostile_option_value_is_a_usage_error_exit_2_as_the_readme_says(gongkai, extra, words):
    before = gongkai.rows()
    result = gongkai(*REGISTER, *extra, code=2)
    assert words in result.stderr and "查看用法" in result.stderr, result.stderr
    assert "\x1b" not in result.output and "\x00" not in result.output and gongkai.rows() == before


def test_a_date_before_the_regulation_is_refused_with_exit_1(gongkai):
    result = gongkai(*REGISTER, "--arrived", "0001-01-01", code=1)
    assert "到达日期（0001-01-01）早于《条例》（2019年修订）施行之日" in result.stderr


def test_an_import_file_with_invalid_utf8_or_a_phone_object_names_its_line(gongkai, tmp_path):
    good = {"agency": DEMO_AGENCY, "number": "2021-000001", "applicant": {"kind": "natural_person", "name": "张三"},
            "channel": "online", "receipt_date": "2021-01-14", "request_text": "……", "status": "registered"}
    first = json.dumps(good, ensure_ascii=False).encode()
    before = gongkai.rows()
    broken = gongkai("import", write(tmp_path, "a.jsonl", first + b"\n" + first.replace("张三".encode(), b"\xd5\xc5")),
                     code=1)
    assert broken.stderr.strip().startswith("错误：第2行：不是有效的 UTF-8 编码")
    phone = json.dumps({**good, "applicant": {**good["applicant"], "phone": {"mobile": 1}}}).encode()
    shaped = gongkai("import", write(tmp_path, "b.jsonl", phone), code=1)
    assert shaped.stderr.strip() == "错误：第1行：applicant.phone（联系电话）应为文字，不能是对象"
    assert gongkai.rows() == before


def test_stored_control_characters_are_printed_escaped_never_raw(gongkai):
    """Rows written before this check (or by hand) still reach `show` and `list`: the terminal never obeys them."""
    number = json.loads(gongkai(*REGISTER[:4], "李四", *REGISTER[5:], "--json").stdout.splitlines()[0])["number"]
    with sqlite3.connect(gongkai.db) as c:
        c.execute("UPDATE applicant SET name = ? WHERE name = '李四'", ("李\x1b[31m四\u202e",))
    shown = gongkai("show", number).stdout
    assert "李\\x1b[31m四\\u202e" in shown and "\x1b" not in shown and "\u202e" not in shown
    listed = gongkai("list", "--json").stdout
    assert "\x1b" not in listed and "\u202e" not in listed
    assert "李\x1b[31m四\u202e" in [a["applicant"] for a in json.loads(listed)["applications"]]


def test_actions_that_read_a_supplement_refuse_a_case_that_never_had_one(gongkai):
    """They read the 补正 row before the lifecycle check: a registered case gave NoResultFound."""
    number = json.loads(gongkai(*REGISTER[:4], "王五", *REGISTER[5:], "--json").stdout.splitlines()[0])["number"]
    before = gongkai.rows()
    for args in (("supplement-received", number, "--on", "2026-03-02"), ("abandon", number)):
        assert "当前状态为「已登记」，不能执行" in gongkai(*args, code=1).stderr
    assert gongkai.rows() == before


OUT_OF_RANGE = [
    ("report-year-zero", ("report", "annual", "--agency", DEMO_AGENCY, "--year", "0"), "选项「--year」的值无效"),
    ("export-year-huge", ("export", "--year", "99999999999999999999"), "选项「--year」的值无效"),
    ("calendar-year-zero", ("calendar", "show", "0"), "参数「year」的值无效"),
    ("challenge-id-beyond-a-row-id", ("challenge-result", "99999999999999999999", "--result", "upheld",
                                      "--decided", "2026-03-01"), "参数「challenge_id」的值无效"),
]


@pytest.mark.parametrize("args, words", [o[1:] for o in OUT_OF_RANGE], ids=[o[0] for o in OUT_OF_RANGE])
def test_a_number_out_of_range_is_a_usage_error_not_an_overflow(gongkai, args, words):
    assert words in gongkai(*args, code=2).stderr


def test_report_check_of_a_list_or_a_folder_is_refused_in_chinese(gongkai, tmp_path):
    listed = gongkai("report", "check", write(tmp_path, "t.json", b"[]"), code=1)
    assert "文件内容应为一个 JSON 对象" in listed.stdout
    assert "无法读取文件" in gongkai("report", "check", str(tmp_path), code=1).stderr


def test_batch_intake_checks_every_line_before_registering_any(gongkai, tmp_path):
    good = {"agency": DEMO_AGENCY, "applicant": {"name": "钱六", "phone": "13800138001"}, "request_text": "请公开",
            "department": "区自然资源局"}
    lines = [json.dumps(good, ensure_ascii=False), json.dumps({**good, "electronic_delivery_consent": "no"})]
    before = gongkai.rows()
    refused = gongkai("flow", "intake", write(tmp_path, "batch.jsonl", "\n".join(lines).encode()), code=1)
    assert "第2行：申请人同意电子送达应为 true 或 false" in refused.stderr
    assert gongkai.rows() == before


@pytest.mark.parametrize("where", ["folder", "missing-folder"])
def test_an_output_file_that_cannot_be_written_is_refused_in_chinese(gongkai, tmp_path, where):
    target = tmp_path if where == "folder" else tmp_path / "没有" / "x.jsonl"
    for args in (("export", "-o", str(target)),
                 ("report", "annual", "--agency", DEMO_AGENCY, "--year", "2026", "--format", "xlsx", "-o", str(target))):
        assert f"无法写入文件 {target}" in gongkai(*args, code=1).stderr


def test_a_report_on_a_database_never_initialised_points_to_init(tmp_path):
    fresh = Gongkai(tmp_path)
    refused = fresh("report", "annual", "--agency", DEMO_AGENCY, "--year", "2026", code=1)
    assert "请先运行 gongkai init" in refused.stderr
