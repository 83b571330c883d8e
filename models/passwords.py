"""Password hashing for the desk: argon2id (argon2-cffi), never stored or compared in clear."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults


def hash_password(password: str) -> str:
    """The encoded argon2id hash (salt and parameters included) to store on the user."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; a user without a hash can never log in."""
    if not stored_hash or not password:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """The parameters moved on since this hash was made: store a fresh one at the next login."""
    return _hasher.check_needs_rehash(stored_hash)


# A fixed hash to verify against when the user does not exist, so both paths take the same time.
DUMMY_HASH = _hasher.hash("gongkai-no-such-user")
