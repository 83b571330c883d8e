import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calendars import InvalidCalendarFile, check_file, load_arrangement
from interfaces.cli.calendar_cmd import app

DATA = Path(__file__).parents[2] / "calendars" / "data"
runner = CliRunner()


def doctored(tmp_path, old, new, name="2022.yaml"):
    text = (DATA / "cn" / "2022.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("{date: 2022-10-08, name", "{date: 2023-10-08, name", "不在文件所述年份"),
        ("{date: 2022-10-08, name", "{date: 2022-10-10, name", "必须是周六或周日"),
        ("{date: 2022-10-08, name", "{date: 2022-10-03, name", "既列为放假日又列为调休上班日"),
        ("{date: 2022-10-03, name", "{date: 2022-10-04, name", "重复列出"),
        ("year: 2022", "", "缺少必填项 year"),
        ('number: "国办发明电〔2021〕11号"', 'number: "11号"', "不是有效文号"),
        ("{date: 2022-10-04, name: \"国庆节（补假）\"}", "{date: 2022-10-15, name: \"加班\"}", "不是法定节日"),
        ("working_days:", "working_days: [", "YAML 语法错误"),
    ],
    ids=["date-outside-year", "working-day-on-a-weekday", "holiday-and-working-day", "duplicate-holiday",
         "missing-year", "bad-document-number", "weekend-holiday-not-statutory", "broken-yaml"],
)
def test_check_rejects_doctored_files(tmp_path, old, new, message):
    path = doctored(tmp_path, old, new)
    problems = check_file(path)
    assert any(message in p for p in problems), problems
    with pytest.raises(InvalidCalendarFile):
        load_arrangement(path)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1 and message in result.output


def test_check_reports_the_line_at_fault(tmp_path):
    path = doctored(tmp_path, "{date: 2022-10-08, name", "{date: 2022-10-10, name")
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "2022-10-10" in text)
    assert any(p.startswith(f"第{line}行 2022-10-10") for p in check_file(path))


@pytest.mark.parametrize("path", sorted((DATA / "cn").glob("*.yaml")) + sorted((DATA / "overlays").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_files_pass_check(path):
    assert check_file(path) == []


def test_new_year_is_a_data_change_only(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    festivals = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    rows = "".join(f"  - {{date: 2027-0{i + 1}-0{i + 1}, name: {name}}}\n" for i, name in enumerate(festivals))
    (tmp_path / "data" / "cn" / "2027.yaml").write_text(
        "year: 2027\njurisdiction: cn\nsource: {title: 测试通知, number: null}\n"
        f"holidays:\n{rows}working_days:\n  - {{date: 2027-02-13, name: 春节调休上班}}\n", encoding="utf-8")
    from calendars import load_calendar

    cal = load_calendar(data_dir=tmp_path / "data")
    assert 2027 in cal.confirmed_years and cal.fingerprint != load_calendar().fingerprint


def test_cli_add_working_days_prints_exactly_the_date():
    result = runner.invoke(app, ["add-working-days", "2022-09-30", "20"])
    assert result.exit_code == 0 and result.stdout == "2022-11-02\n"


def test_cli_provisional_result_says_so_on_stderr():
    result = runner.invoke(app, ["add-working-days", "2026-12-20", "20"])
    assert result.stdout == "2027-01-18\n" and "推算" in result.stderr


@pytest.mark.parametrize(
    "day, expected",
    [("2022-10-08", "是（国庆节调休上班）"), ("2022-10-03", "否（国庆节"), ("2022-10-15", "否（星期六，周末）")],
    ids=["adjusted-working-saturday", "holiday", "weekend"],
)
def test_cli_is_working_day(day, expected):
    result = runner.invoke(app, ["is-working-day", day])
    assert result.exit_code == 0 and result.stdout.startswith(expected)


def test_cli_show_marks_confirmed_and_provisional_years():
    assert "已确认" in runner.invoke(app, ["show", "2022"]).stdout
    assert "推算（未确认）" in runner.invoke(app, ["show", "2027"]).stdout


def test_console_script_stays_light():
    import subprocess
    import sys

    code = ("import sys; sys.argv=['gongkai','calendar','add-working-days','2022-09-30','20'];"
            "from interfaces.cli import main\ntry: main.main()\nexcept SystemExit: pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect','sqlmodel','numpy','holidays'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "2022-11-02\n[]\n"
