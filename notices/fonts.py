"""The TrueType faces the notices embed, found at their Debian paths and registered once per process."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont


class FontMissing(RuntimeError):
    """A face is not installed; message_zh names the Debian package that provides it."""

    def __init__(self, face: "Face"):
        self.message_zh = f"未找到字体文件 {face.path}，请安装 Debian 软件包 {face.package}（apt-get install {face.package}）"
        super().__init__(f"font file {face.path} missing: install the Debian package {face.package}")


@dataclass(frozen=True)
class Face:
    name: str
    path: Path
    subfont: int  # index inside the .ttc: 0 is the simplified-Chinese (CN) face
    package: str


# GB/T 9704-2012 asks for 小标宋 titles and 仿宋 body text; the closest free TrueType faces (docs/fonts.md).
TITLE = Face("ARPLUMingCN", Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0, "fonts-arphic-uming")
BODY = Face("ARPLUKaiCN", Path("/usr/share/fonts/truetype/arphic/ukai.ttc"), 0, "fonts-arphic-ukai")


@cache
def register(face: Face) -> str:
    """Register a face with reportlab (once per process) and return its name for styles."""
    if not face.path.is_file():
        raise FontMissing(face)
    pdfmetrics.registerFont(TTFont(face.name, str(face.path), subfontIndex=face.subfont))
    return face.name
