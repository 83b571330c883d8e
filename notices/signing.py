"""Electronic signatures on issued replies: PAdES baseline signatures made and checked with pyHanko.

Every reply PDF is signed with its agency's certificate when it is issued, so a PDF reader shows who signed
it and whether it changed since. The keys stay on disk, never in the database:

    <Settings.signing_dir>/<agency id>/signer.key   the private key (PEM, PKCS#8, readable by its owner only)
    <Settings.signing_dir>/<agency id>/signer.crt   the certificate (PEM)

`gongkai init --demo` makes a self-signed demo certificate for the demo agency; an office installs its own
with `gongkai agency certificate`. `check_signature` reports, in Chinese, what a reader would: no signature,
a signature that no longer matches the bytes, one that does not cover the whole file, or an untrusted signer.
"""

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from models.errors import GongkaiError
from models.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")

KEY, CERT = "signer.key", "signer.crt"
FIELD = "Signature1"


class SigningError(GongkaiError):
    """A key or certificate problem; message_zh says what to do (the desk and the CLI show it like any refusal)."""


@dataclass(frozen=True)
class Credentials:
    key: Path
    cert: Path


def credentials_dir(settings: Settings, agency_id: int) -> Path:
    return settings.signing_dir / str(agency_id)


def credentials(settings: Settings, agency_id: int, agency_name: str) -> Credentials:
    """The agency's key and certificate, or SigningError naming the command that installs them."""
    folder = credentials_dir(settings, agency_id)
    creds = Credentials(folder / KEY, folder / CERT)
    if not (creds.key.is_file() and creds.cert.is_file()):
        raise SigningError(
            f"{agency_name}尚未配置电子签名证书（应在 {folder}），答复书不能签发。"
            f"请运行 gongkai agency certificate {agency_name} --key 私钥文件 --cert 证书文件"
            "（演示环境可加 --demo 生成自签名演示证书）。",
            f"no signing key for agency {agency_id} in {folder}")
    return creds


@cache
def _signer(key: Path, cert: Path, stamp: tuple):
    """pyHanko's SimpleSigner parses the private key again for every signature it makes (an RSA key's validation
    alone took ≈0.17 s, twice per PDF); this one parses it once per process and per key file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from asn1crypto import cms
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    loaded = signers.SimpleSigner.load(str(key), str(cert))
    private = serialization.load_der_private_key(loaded.signing_key.dump(), password=None)

    class KeptKeySigner(signers.SimpleSigner):
        template: tuple[bytes, bytes, bytes, bytes] | None = None
        templated: bool = True

        async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run=False, use_pades=False,
                             timestamper=None, signed_attr_settings=None, is_pdf_sig=True, encap_content_info=None):
            """Every signature of this key has the same CMS container but for the message digest and the signature
            value: pyHanko builds it once (its asn1crypto encoding cost more than rendering the reply), then each
            reply patches those two fields and signs its signed attributes afresh."""
            args = dict(dry_run=dry_run, use_pades=use_pades, timestamper=timestamper,
                        signed_attr_settings=signed_attr_settings, is_pdf_sig=is_pdf_sig,
                        encap_content_info=encap_content_info)
            if dry_run or timestamper is not None or encap_content_info is not None or not self.templated:
                return await super().async_sign(data_digest, digest_algorithm, **args)
            if self.template is None:
                self.template = await self._make_template(len(data_digest), digest_algorithm, args)
                if self.template is None:
                    return await super().async_sign(data_digest, digest_algorithm, **args)
            der, placeholder, attrs, old_signature = self.template
            signed_attrs = b"\x31" + attrs[1:].replace(placeholder, data_digest)  # SET OF, as signed (RFC 5652 5.4)
            signature = self.sign_raw(signed_attrs, digest_algorithm)
            if len(signature) != len(old_signature):
                return await super().async_sign(data_digest, digest_algorithm, **args)
            return cms.ContentInfo.load(der.replace(placeholder, data_digest).replace(old_signature, signature))

        async def _make_template(self, size: int, digest_algorithm: str, args: dict):
            placeholder = os.urandom(size)
            reference = await super().async_sign(placeholder, digest_algorithm, **args)
            info = reference["content"]["signer_infos"][0]
            kinds = {a["type"].native for a in info["signed_attrs"]}
            der, attrs, value = reference.dump(), info["signed_attrs"].dump(), info["signature"].native
            fixed = {"content_type", "message_digest", "signing_certificate_v2", "cms_algorithm_protection"}
            if not kinds <= fixed or der.count(placeholder) != 1 or der.count(value) != 1:
                self.templated = False  # a time or another changing attribute: pyHanko builds every container
                return None
            return der, placeholder, attrs, value

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)["algorithm"].native
            algo = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "sha256_rsa" or mechanism.endswith("_rsa") or mechanism == "rsassa_pkcs1v15":
                return private.sign(data, PKCS1v15(), algo)
            if mechanism.endswith("_ecdsa") or mechanism == "ecdsa":
                return private.sign(data, ECDSA(algo))
            return super().sign_raw(data, digest_algorithm)  # PSS, EdDSA …: pyHanko's own path

    return KeptKeySigner(signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
                         cert_registry=loaded.cert_registry), len(loaded.signing_cert.dump())


def sign_pdf(pdf: bytes, creds: Credentials, *, name: str, reason: str, location: str = "", contact: str = "") -> bytes:
    """The PDF with a PAdES baseline (B-B) signature over the whole file, added as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    stamp = tuple(p.stat().st_mtime_ns for p in (creds.key, creds.cert))  # a replaced key is reloaded
    try:
        signer, cert_size = _signer(creds.key, creds.cert, stamp)
    except (OSError, ValueError) as exc:
        raise SigningError(f"无法读取电子签名证书或私钥（{creds.cert}）：{exc}", str(exc)) from exc
    meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
                                        name=name, reason=reason, location=location or None,
                                        contact_info=contact or None)
    # Room for the CMS container, reserved up front: pyHanko would otherwise sign once more just to measure it.
    # The certificate, the signature (≤ 512 bytes for RSA-4096) and the signed attributes fit in cert_size + 4096
    # bytes with room to spare; the PDF holds them as hex, two digits a byte (so the figure is always even: an
    # odd one, from a certificate of odd length, was refused by pyHanko).
    out = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=signer,
                           bytes_reserved=2 * (cert_size + 4096))
    return out.getvalue()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def make_demo_certificate(folder: Path, *, agency_name: str, now: datetime, years: int = 10) -> Credentials:
    """A self-signed RSA-2048 certificate for the demo: readers show the signature, marked as not trusted."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{agency_name}（演示证书）")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    creds = Credentials(folder / KEY, folder / CERT)
    _write_private(creds.key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    creds.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return creds


def install_certificate(folder: Path, *, key_file: Path, cert_file: Path) -> Credentials:
    """Copy an office's own key and certificate into place, after checking that they belong together."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"无法读取私钥或证书（须为 PEM 格式、私钥不加密）：{exc}", str(exc)) from exc
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, spki) != \
            cert.public_key().public_bytes(serialization.Encoding.DER, spki):
        raise SigningError("私钥与证书不匹配，未安装。", "key does not match certificate")
    creds = Credentials(folder / KEY, folder / CERT)
    _write_private(creds.key, key_file.read_bytes())
    shutil.copyfile(cert_file, creds.cert)
    return creds


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    not_before: datetime
    not_after: datetime
    sha256: str


def certificate_info(cert_file: Path) -> CertificateInfo:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return CertificateInfo(cert.subject.rfc4514_string(), cert.not_valid_before_utc, cert.not_valid_after_utc,
                           cert.fingerprint(hashes.SHA256()).hex())


def trusted_certificates(settings: Settings) -> list[Path]:
    """Every agency certificate of this installation: the signers a reply of ours may carry."""
    return sorted(settings.signing_dir.glob(f"*/{CERT}")) if settings.signing_dir.is_dir() else []


@dataclass
class SignatureReport:
    """What a PDF reader would say about the signature; `problems` in Chinese, empty when it holds."""

    signer: str = ""
    signed_at: datetime | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_signature(pdf: bytes, trust: list[Path]) -> SignatureReport:
    """Intact (the signed bytes are unchanged), valid, over the whole file, by a certificate we trust."""
    from asn1crypto import pem, x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    report = SignatureReport()
    try:
        sigs = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
    except PdfReadError as exc:
        report.problems.append(f"文件无法作为 PDF 读取，可能已损坏或被改动（{exc}）。")
        return report
    except Exception as exc:  # a mangled signature blob fails deep in the ASN.1 parser, with any exception type
        report.problems.append(f"电子签名数据已损坏，文件在签名后被改动（{type(exc).__name__}）。")
        return report
    if not sigs:
        report.problems.append("文件中没有电子签名。")
        return report
    roots = []
    for path in trust:
        data = path.read_bytes()
        roots.append(asn1_x509.Certificate.load(pem.unarmor(data)[2] if pem.detect(data) else data))
    sig = sigs[-1]
    try:
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots, allow_fetching=False))
    except Exception as exc:  # pyHanko raises many kinds for a mangled signature; each means "does not verify"
        report.problems.append(f"电子签名无法验证，文件可能在签名后被改动（{type(exc).__name__}）。")
        return report
    subject = status.signing_cert.subject.native
    report.signer = subject.get("common_name") or status.signing_cert.subject.human_friendly
    report.signed_at = status.signer_reported_dt.astimezone(SHANGHAI) if status.signer_reported_dt else None
    if not status.intact:
        report.problems.append("电子签名与文件内容不符：文件在签名后被改动。")
    elif not status.valid:
        report.problems.append("电子签名的密码学校验未通过。")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        report.problems.append("电子签名未覆盖整个文件：签名后又追加了内容。")
    if status.intact and status.valid and not status.trusted:
        report.problems.append(f"签名证书（{report.signer}）不是本系统任何机关的证书，不受信任。")
    return report


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _subject(pdf: bytes) -> str:
    """The 文号 a reply carries in its metadata (notices.render.meta), if the file still reads."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        info = PdfFileReader(BytesIO(pdf), strict=False).trailer_view["/Info"]
        return str(info.get("/Subject", "")) if info is not None else ""
    except Exception:  # a damaged file has no readable metadata: the hash check still answers
        return ""


@dataclass
class Verification:
    """A PDF checked twice: against its signature, and against the hash kept in the case record."""

    signature: SignatureReport
    record_ok: bool
    record: str  # one Chinese sentence about the case record

    @property
    def ok(self) -> bool:
        return self.signature.ok and self.record_ok

    def lines(self) -> list[str]:
        sig = self.signature
        if sig.ok:
            when = f"，签署时间 {sig.signed_at:%Y-%m-%d %H:%M:%S}" if sig.signed_at else ""
            first = [f"电子签名：通过（签署人 {sig.signer}{when}，签名覆盖整个文件）。"]
        else:
            first = [f"电子签名：未通过。{p}" for p in sig.problems]
        return first + [f"案卷记录：{'通过' if self.record_ok else '未通过'}。{self.record}"]


def verify_document(session, pdf: bytes, settings: Settings) -> Verification:
    """`gongkai document verify`: the signature, and the SHA-256 the case record kept when the document was stored."""
    from sqlmodel import select

    from models.tables import Agency, Application, Document
    from notices.render import DocumentKind

    report = check_signature(pdf, trusted_certificates(settings))
    digest = sha256(pdf)
    doc = session.exec(select(Document).where(Document.sha256 == digest).order_by(Document.id)).first()
    if doc is not None:
        app = session.get(Application, doc.application_id)
        agency = session.get(Agency, app.agency_id)
        number = f"，文号 {doc.doc_number}" if doc.doc_number else ""
        return Verification(report, True, f"与{agency.name}申请 {app.number} 的{DocumentKind(doc.kind).title}"
                                          f"（第{doc.version}版{number}）存档的 SHA-256 一致。")
    doc_number = _subject(pdf)
    kept = session.exec(select(Document).where(Document.doc_number == doc_number)).first() if doc_number else None
    if kept is not None:
        return Verification(report, False, f"文号 {doc_number} 的存档 SHA-256 为 {kept.sha256[:16]}…，本文件为 "
                                           f"{digest[:16]}…：不是签发时存档的那一份。")
    return Verification(report, False, f"案卷中没有 SHA-256 为 {digest[:16]}… 的文书。")
