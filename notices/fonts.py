"""The faces the notices embed: the best free Debian faces, or an office's own licensed files.

GB/T 9704-2012 sets titles in 2号小标宋 and body text in 3号仿宋, both commercial faces. Without them we use
Noto Serif CJK SC (Debian `fonts-noto-cjk`, SIL OFL 1.1): Bold for the title, Regular for the body and the
page numbers (docs/fonts.md compares the candidates). Its outlines are CFF, which reportlab cannot read, so
`prepare()` converts the simplified-Chinese face to TrueType once (≈45 s of CPU per face) into
`Settings.font_dir`; rendering only reads the converted file and never converts. An office points
GONGKAI_FONT_TITLE / GONGKAI_FONT_BODY at its own files (FILE or FILE#index for a .ttc); a CFF file of its
own is converted the same way.
"""

import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from models.settings import Settings

NOTO = Path("/usr/share/fonts/opentype/noto")
# Hangul is dropped from the converted copy: a quarter of the glyphs, never in a Chinese notice.
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))


class FontMissing(RuntimeError):
    """A face's file is not there; message_zh says how to get it."""

    def __init__(self, face: "Face"):
        if face.package:
            how = f"请安装 Debian 软件包 {face.package}（apt-get install {face.package}）"
        else:
            how = f"请检查设置 GONGKAI_FONT_{face.role.upper()}"
        self.message_zh = f"未找到字体文件 {face.source}，{how}"
        super().__init__(f"font file {face.source} missing ({face.package or 'office setting'})")


class FontNotPrepared(FontMissing):
    """A CFF face whose TrueType copy has not been made yet."""

    def __init__(self, face: "Face"):
        RuntimeError.__init__(self, f"{face.source} has no TrueType copy at {face.ttf}: run gongkai fonts prepare")
        self.message_zh = (f"字体 {face.label} 尚未转换为 TrueType（应在 {face.ttf}），"
                           "请运行 gongkai fonts prepare（scripts/setup 会自动运行）")


@dataclass(frozen=True)
class Face:
    role: str  # title | body
    name: str  # the name reportlab registers it under
    source: Path  # the installed file
    subfont: int  # index inside a .ttc: 2 is Noto CJK's simplified-Chinese (SC) face
    package: str  # the Debian package that provides it; "" for an office's own file
    label: str  # what it is, as `gongkai doctor` prints it
    ttf: Path  # the TrueType file reportlab reads: the source itself, or its converted copy
    licence: str = ""

    @property
    def converted(self) -> bool:
        return self.ttf != self.source


_DEFAULTS = {
    "title": ("NotoSerifCJKsc-Bold", NOTO / "NotoSerifCJK-Bold.ttc", 2, "Noto Serif CJK SC Bold（思源宋体粗体，代小标宋）"),
    "body": ("NotoSerifCJKsc-Regular", NOTO / "NotoSerifCJK-Regular.ttc", 2, "Noto Serif CJK SC Regular（思源宋体，代仿宋）"),
}
_OFL = "SIL Open Font License 1.1（/usr/share/doc/fonts-noto-cjk/copyright）"


def outlines(path: Path, subfont: int = 0) -> str:
    """"truetype" or "cff", read from the sfnt header (of the subfont, in a collection)."""
    with path.open("rb") as f:
        head = f.read(12)
        if head[:4] == b"ttcf":
            count = struct.unpack(">I", head[8:12])[0]
            if not 0 <= subfont < count:
                raise ValueError(f"{path} has {count} subfonts, not {subfont + 1}")
            f.seek(12 + 4 * subfont)
            f.seek(struct.unpack(">I", f.read(4))[0])
            head = f.read(4)
    return "cff" if head[:4] == b"OTTO" else "truetype"


def _office_face(role: str, spec: str, font_dir: Path) -> Face:
    file, _, index = spec.partition("#")
    source, subfont = Path(file).expanduser().resolve(), int(index or 0)
    name = f"Office-{role}-{source.stem}-{subfont}"
    ttf = source
    if source.is_file() and outlines(source, subfont) == "cff":
        ttf = font_dir / f"{source.stem}-{subfont}.ttf"
    return Face(role, name, source, subfont, "", f"本机关字体 {source.name}" + (f"#{subfont}" if index else ""), ttf,
                "本机关自有授权")


def faces(settings: Settings | None = None) -> tuple[Face, Face]:
    """(title, body) as the settings choose them."""
    settings = settings or Settings.load()
    chosen = []
    for role, spec in (("title", settings.font_title), ("body", settings.font_body)):
        if spec:
            chosen.append(_office_face(role, spec, settings.font_dir))
            continue
        name, source, subfont, label = _DEFAULTS[role]
        chosen.append(Face(role, name, source, subfont, "fonts-noto-cjk", label, settings.font_dir / f"{name}.ttf", _OFL))
    return chosen[0], chosen[1]


@cache
def register(face: Face) -> str:
    """Register a face with reportlab (once per process) and return its name for styles."""
    if not face.source.is_file():
        raise FontMissing(face)
    if not face.ttf.is_file():
        raise FontNotPrepared(face)
    if face.ttf == face.source and outlines(face.source, face.subfont) == "cff":
        raise FontNotPrepared(face)
    font = TTFont(face.name, str(face.ttf), subfontIndex=0 if face.converted else face.subfont)
    _keep_tables(font)
    _keep_subsets(font)
    pdfmetrics.registerFont(font)
    return face.name


def _keep_tables(font: TTFont) -> None:
    """reportlab copies a table out of the file for every 256-glyph subset it embeds; a CJK face's glyf table is
    ≈12 MB, so each document paid several copies. Keep each table once per process instead."""
    tables: dict[str, bytes] = {}
    read = font.face.get_table

    def get_table(tag: str) -> bytes:
        if tag not in tables:
            tables[tag] = read(tag)
        return tables[tag]

    font.face.get_table = get_table


SUBSETS_KEPT = 64  # per face: a document kind's title face always embeds the same subset


class _Kept(OrderedDict):
    """A small least-recently-used memo."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or_make(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class _KeptFlate:
    """reportlab's FlateDecode filter (zlib.compress, its default level: the same bytes), remembering its output for
    the subsets _keep_subsets remembers."""

    pdfname = "FlateDecode"

    def __init__(self):
        self.kept = _Kept(SUBSETS_KEPT)

    def encode(self, data: bytes) -> bytes:
        return self.kept.get_or_make(data, lambda: zlib.compress(data))


def _keep_subsets(font: TTFont) -> None:
    """A face's subset (the glyphs a document uses, as an embedded font file) and its compressed stream are made
    once per process for the same characters: a notice's title is the same for every case of its kind, so the
    title face's subset is cut and compressed once, not per document. Same characters, same bytes."""
    face = font.face
    subsets, flate = _Kept(SUBSETS_KEPT), _KeptFlate()
    make, add = face.makeSubset, face.addSubsetObjects

    def make_subset(subset):
        return subsets.get_or_make(tuple(subset), lambda: make(subset))

    def add_subset_objects(doc, fontname, subset):
        ref = add(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
        if stream is not None and stream.filters:
            stream.filters = [flate]
        return ref

    face.makeSubset, face.addSubsetObjects = make_subset, add_subset_objects


@cache
def _names(title: Face, body: Face) -> tuple[str, str]:
    return register(title), register(body)


def fonts_in_use(settings: Settings | None = None) -> tuple[str, str]:
    """The registered (title, body) names every PDF of this process uses."""
    return _names(*faces(settings))


def convert_to_truetype(source: Path, subfont: int, target: Path) -> int:
    """A TrueType copy of a CFF face (quadratic outlines by cu2qu, hinting dropped); returns the glyph count.

    Written beside the target first and renamed, so a reader never sees half a file."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont as FTFont

    src = FTFont(str(source), fontNumber=subfont)
    cmap = {u: g for u, g in src.getBestCmap().items() if not any(a <= u <= b for a, b in _HANGUL)}
    order = [".notdef"] + sorted(set(cmap.values()) - {".notdef"}, key=src.getGlyphID)
    glyph_set, glyphs = src.getGlyphSet(), {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    fb = FontBuilder(src["head"].unitsPerEm, isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    glyf = fb.font["glyf"]
    fb.setupHorizontalMetrics({n: (src["hmtx"][n][0], getattr(glyf[n], "xMin", 0)) for n in order})
    hhea = src["hhea"]
    fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    fb.font["name"] = src["name"]  # the licence and copyright records travel with the copy
    fb.font["OS/2"] = src["OS/2"]
    fb.setupPost()
    fb.setupMaxp()
    for attr in ("fontRevision", "macStyle", "flags", "created", "modified", "lowestRecPPEM"):
        setattr(fb.font["head"], attr, getattr(src["head"], attr))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    fb.save(str(partial))
    partial.replace(target)
    return len(order)


def prepare(settings: Settings | None = None, *, say=lambda line: None) -> list[Face]:
    """Make the TrueType copy of every chosen CFF face that lacks one; returns the faces converted."""
    done = []
    for face in dict.fromkeys(faces(settings)):
        if not face.source.is_file():
            raise FontMissing(face)
        if face.converted and not face.ttf.is_file():
            say(f"转换 {face.label} → {face.ttf}（约需一分钟）…")
            glyphs = convert_to_truetype(face.source, face.subfont, face.ttf)
            say(f"已转换 {glyphs} 个字形。")
            done.append(face)
    return done
