"""The files a department sends with its written reply opinion: checked before anything is stored.

Pure: no database. `check_uploads` takes what the desk or the CLI received and returns the files as they will
be stored (a clean base name, our own content type, size and SHA-256), or raises ValidationFailed naming the
file. The type is decided twice, by the extension and by the file's first bytes, and the stored content type
comes from ALLOWED, never from what the browser claims.
"""

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from models.errors import ValidationFailed

MiB = 1024 * 1024
# Limits per written reply opinion. A department sends the documents its answer rests on (a scanned decision,
# a table, a photo of a notice), not the information itself: 10 files are plenty. 20 MB holds a long scanned
# PDF at 300 dpi; 50 MB in all keeps one opinion a sensible row set in the database (files live there, with
# the case, and go whole into its archive package) and bounds what one desk request may upload.
MAX_FILES = 10
MAX_FILE_BYTES = 20 * MiB
MAX_TOTAL_BYTES = 50 * MiB
# File names become `attachments/<id>-<name>` in the archive package: 180 UTF-8 bytes (60 Chinese
# characters) leave room for the id under the 255-byte name limit of common file systems.
MAX_FILENAME_BYTES = 180
# What an interface reads of one file at most: one byte more than allowed is enough to refuse it.
READ_AT_MOST = MAX_FILE_BYTES + 1

_PDF, _ZIP, _OLE = (b"%PDF",), (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)


@dataclass(frozen=True)
class FileType:
    label: str  # what the user is told
    content_type: str  # what is stored and served
    magic: tuple[bytes, ...]  # the file must start with one of these (empty: checked otherwise)


ALLOWED: dict[str, FileType] = {  # extension -> type
    ".pdf": FileType("PDF", "application/pdf", _PDF),
    ".ofd": FileType("OFD", "application/ofd", _ZIP),  # GB/T 33190, the Chinese fixed-layout format (zip-based)
    ".docx": FileType("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".doc": FileType("Word 97-2003", "application/msword", _OLE),
    ".xlsx": FileType("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".xls": FileType("Excel 97-2003", "application/vnd.ms-excel", _OLE),
    ".jpg": FileType("JPEG", "image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": FileType("JPEG", "image/jpeg", (b"\xff\xd8\xff",)),
    ".png": FileType("PNG", "image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".txt": FileType("TXT 文本", "text/plain; charset=utf-8", ()),  # no signature: must decode as UTF-8
}
ACCEPT = ",".join(ALLOWED)  # for <input type="file" accept=…>
_WINDOWS_RESERVED = str.maketrans({c: "_" for c in '<>:"|?*'})


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the sender gave, its bytes, and the type the sender claimed (not trusted)."""

    filename: str
    content: bytes
    content_type: str = ""


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check, as it will be stored."""

    filename: str
    content_type: str
    content: bytes
    size: int
    sha256: str


def size_label(size: int) -> str:
    """20 MB, 1.5 MB, 320 KB, 12 B."""
    if size >= MiB:
        return f"{size // MiB} MB" if size % MiB == 0 else f"{size / MiB:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} B"


def clean_filename(raw: str) -> str:
    """The base name only: no directories (either slash), no control or format characters, bounded in length."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: control characters; Cf: format characters such as U+202E, which makes "报告\u202efdp.exe" look like a
    # PDF; Zl/Zp: line breaks; Cs: lone surrogates
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    name = name.translate(_WINDOWS_RESERVED).strip().strip(".").strip()
    if len(name.encode("utf-8")) > MAX_FILENAME_BYTES:
        path = PurePosixPath(name)
        suffix = path.suffix if len(path.suffix.encode("utf-8")) <= 16 else ""
        stem = name[: len(name) - len(suffix)] if suffix else name
        budget = MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip()
        name = stem + suffix
    return name


def _refuse(message_zh: str, message_en: str) -> ValidationFailed:
    return ValidationFailed(message_zh, message_en, field="attachments")


def check_upload(upload: Upload, *, position: int) -> CheckedUpload:
    """One file: a usable name, not empty, not too large, an allowed type by extension and by content."""
    name = clean_filename(upload.filename)
    if not name:
        raise _refuse(f"第{position}个附件的文件名无效（去掉路径和控制字符后为空），请改名后重新上传。",
                      f"attachment {position}: empty file name")
    content = upload.content
    if not content:
        raise _refuse(f"附件「{name}」是空文件。", f"{name!r}: empty file")
    if len(content) > MAX_FILE_BYTES:
        raise _refuse(f"附件「{name}」超过单个文件 {size_label(MAX_FILE_BYTES)} 的上限，请压缩或拆分后上传。",
                      f"{name!r}: larger than {MAX_FILE_BYTES} bytes")
    suffix = PurePosixPath(name).suffix.lower()
    kind = ALLOWED.get(suffix)
    if kind is None:
        raise _refuse(f"附件「{name}」的类型不在允许范围内，只接受 {allowed_label()}。",
                      f"{name!r}: extension {suffix!r} not allowed")
    if kind.magic and not content.startswith(kind.magic):
        raise _refuse(f"附件「{name}」的内容不是{kind.label}文件（扩展名与文件内容不符）。",
                      f"{name!r}: content does not match {suffix}")
    if not kind.magic:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(f"附件「{name}」不是 UTF-8 编码的文本文件，请另存为 UTF-8 或转为 PDF 后上传。",
                          f"{name!r}: not UTF-8 text") from None
    return CheckedUpload(name, kind.content_type, content, len(content), hashlib.sha256(content).hexdigest())


def check_uploads(uploads: Iterable[Upload]) -> list[CheckedUpload]:
    """Every file of one opinion, or the first refusal: at most MAX_FILES files, MAX_TOTAL_BYTES in all."""
    uploads = list(uploads)
    if len(uploads) > MAX_FILES:
        raise _refuse(f"每份书面答复意见最多附 {MAX_FILES} 个文件，本次选择了 {len(uploads)} 个。",
                      f"{len(uploads)} files, at most {MAX_FILES}")
    checked = [check_upload(u, position=n) for n, u in enumerate(uploads, start=1)]
    total = sum(c.size for c in checked)
    if total > MAX_TOTAL_BYTES:
        raise _refuse(f"附件合计 {size_label(total)}，超过每份书面答复意见 {size_label(MAX_TOTAL_BYTES)} 的上限。",
                      f"{total} bytes in all, at most {MAX_TOTAL_BYTES}")
    return checked


def allowed_label() -> str:
    """PDF、OFD、Word …: the allowed types in the order of ALLOWED, each once."""
    return "、".join(dict.fromkeys(t.label.split(" ")[0] for t in ALLOWED.values()))


def limits_label() -> str:
    """The limits in one line, for the form's help text and the CLI's help."""
    return (f"最多 {MAX_FILES} 个文件，单个不超过 {size_label(MAX_FILE_BYTES)}，合计不超过 {size_label(MAX_TOTAL_BYTES)}；"
            f"格式：{allowed_label()}")
