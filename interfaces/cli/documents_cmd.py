"""Documents an office signs and seals: fonts, signing certificates, seals; `gongkai doctor` and `document verify`."""

from pathlib import Path

import typer

fonts_app = typer.Typer(help="文书字体")
document_app = typer.Typer(help="文书")


@fonts_app.command("prepare")
def fonts_prepare() -> None:
    """把文书字体转换为 TrueType（只需一次，scripts/setup 自动运行）。"""
    from notices.fonts import faces, prepare

    done = prepare(say=typer.echo)
    for face in faces():
        typer.echo(f"{'已转换' if face in done else '已就绪'}：{face.label} → {face.ttf}")


def _font_lines() -> tuple[list[str], bool]:
    from notices.fonts import FontMissing, faces, register

    lines, ok = [], True
    for face, role in zip(faces(), ("标题（2号小标宋）", "正文、页码（3号仿宋、4号宋体）")):
        source = f"{face.source}" + (f"#{face.subfont}" if face.source.suffix == ".ttc" else "")
        try:
            register(face)
            state = "可用" + (f"（TrueType 副本 {face.ttf}）" if face.converted else "")
        except FontMissing as exc:
            state, ok = f"不可用：{exc.message_zh}", False
        lines += [f"  {role}：{face.label}", f"      文件 {source}；{state}",
                  f"      许可：{face.licence}；嵌入方式：子集嵌入（每份 PDF 只带用到的字形）"]
    return lines, ok


def _agency_lines(settings) -> list[str]:
    from models.errors import GongkaiError
    from models.tables import Agency
    from notices.signing import CERT, certificate_info, credentials_dir
    from sqlmodel import select

    from interfaces.cli.runtime import session

    lines = []
    try:
        with session() as s:
            agencies = list(s.exec(select(Agency).order_by(Agency.id)))
    except GongkaiError as exc:
        return [f"  （未读取机关：{exc.message_zh}）"]
    for agency in agencies:
        cert = credentials_dir(settings, agency.id) / CERT
        if cert.is_file():
            info = certificate_info(cert)
            signing = f"电子签名证书 {info.subject}，有效期至 {info.not_after:%Y-%m-%d}（{cert}）"
        else:
            signing = f"未配置电子签名证书（应在 {cert.parent}），答复书不能签发"
        if not agency.seal_image:
            seal = "无印章图片：文书预留手工盖章位置"
        elif Path(agency.seal_image).is_file():
            seal = f"印章图片 {agency.seal_image}"
        else:
            seal = f"印章图片 {agency.seal_image} 已不存在：文书无法生成，请用 gongkai agency set 重新设置"
        lines.append(f"  {agency.name}：{signing}；{seal}")
    return lines or ["  （尚无机关）"]


def doctor() -> None:
    """检查文书所用字体、各机关的电子签名证书和印章图片。"""
    from models.settings import Settings

    settings = Settings.load()
    fonts, ok = _font_lines()
    for line in ["文书字体：", *fonts, "电子签名与印章：", *_agency_lines(settings)]:
        typer.echo(line)
    if not ok:
        raise typer.Exit(1)


@document_app.command("verify")
def verify(file: Path = typer.Argument(..., help="要核验的 PDF 文件")) -> None:
    """核验文书：电子签名是否有效、文件是否与案卷存档的哈希一致。"""
    from models.errors import ValidationFailed
    from models.settings import Settings
    from notices.signing import verify_document

    from interfaces.cli.runtime import session

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"无法读取文件 {file}：{exc.strerror}", str(exc)) from exc
    with session() as s:
        result = verify_document(s, data, Settings.load())
    for line in result.lines():
        typer.echo(line)
    typer.echo("结论：" + ("文件有效，与签发时一致。" if result.ok else "核验未通过。"))
    if not result.ok:
        raise typer.Exit(1)


@document_app.command("save")
def save(number: str = typer.Argument(..., help="申请编号"), kind: str = typer.Option("reply", help="文书类型，如 reply、receipt、fee"),
         output: Path = typer.Option(..., "--output", "-o", help="保存到的 PDF 文件"),
         agency: str = typer.Option(None, help="机关（编号重复时）")) -> None:
    """把案卷中某类文书的最新一版保存为文件（例如用于核验或电子送达）。"""
    from models.errors import NotFound
    from models.queries import agency_by_name, application_by_number, documents_of

    from interfaces.cli.runtime import session, write_output

    with session() as s:
        owner = agency_by_name(s, agency) if agency else None
        app = application_by_number(s, number, agency=owner)
        found = [d for d in documents_of(s, app) if d.kind == kind]
        if not found:
            raise NotFound(f"申请 {app.number} 没有类型为 {kind} 的文书。", f"no {kind} document")
        doc = max(found, key=lambda d: d.version)
        write_output(output, doc.content)
    typer.echo(f"已保存 {kind} 第{doc.version}版{('（' + doc.doc_number + '）') if doc.doc_number else ''}到 {output}，"
               f"SHA-256 {doc.sha256}")


def demo_documents(agency_name: str) -> list[str]:
    """The demo agency's self-signed certificate and demo seal, made once (`init --demo`, `up --demo`)."""
    from models.admin import set_agency
    from models.queries import agency_by_name
    from models.settings import Settings
    from notices.fonts import faces
    from notices.seal import make_demo_seal
    from notices.signing import CERT, credentials_dir, make_demo_certificate

    from interfaces.cli.runtime import now, session

    settings, said = Settings.load(), []
    with session() as s:
        agency = agency_by_name(s, agency_name)
        folder = credentials_dir(settings, agency.id)
        if not (folder / CERT).is_file():
            make_demo_certificate(folder, agency_name=agency.name, now=now())
            said.append(f"已生成自签名演示证书：{folder / CERT}（仅供演示，阅读器会提示证书不受信任）")
        title = faces(settings)[0].ttf
        if not agency.seal_image and title.is_file():
            seal = make_demo_seal(agency.name, settings.var_dir / "seals" / f"{agency.id}.png", font=title)
            set_agency(s, agency=agency.name, seal_image=str(seal))
            said.append(f"已生成演示印章图片：{seal}")
    return said
