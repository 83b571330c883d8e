"""Bearer tokens for staff systems calling the JSON API: made for a user, scoped by that user's agency and role.

The token is 256 random bits shown once; only its SHA-256 is stored (a token this long needs no slow hash). A token
acts as its user: every action goes through models.actions with that user as the actor, so the lifecycle's role
checks and the guards are the ones the desk and the CLI meet. It stops working when revoked, when the user is
deactivated, or when the user's agency or role is no longer the one it was made for.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from models.admin import OPERATOR
from models.context import Ctx, action
from models.enums import Role
from models.errors import GongkaiError, NotFound, RoleNotAllowed
from models.queries import user_by_username
from models.tables import AdminEvent, ApiToken, User

TOKEN_PREFIX = "gk_"


class TokenRefused(GongkaiError):
    """No token, an unknown or revoked one, or one whose user's agency, role or status changed (401)."""


@dataclass(frozen=True)
class MadeToken:
    row: ApiToken
    token: str  # shown once; never stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(ctx: Ctx, row: ApiToken, what: str, user: User) -> None:
    ctx.session.add(AdminEvent(agency_id=row.agency_id, action=what, actor_id=ctx.actor.id if ctx.actor else None,
                               actor_name=ctx.actor.full_name if ctx.actor else OPERATOR, at=ctx.now,
                               data={"token_id": row.id, "prefix": row.prefix, "user": user.username,
                                     "role": Role(row.role).value, "label": row.label}))


def _require_admin(ctx: Ctx) -> None:
    """Tokens are made and revoked by a 系统管理员 or by the CLI operator (no actor), as users are."""
    if ctx.actor is not None and Role(ctx.actor.role) != Role.admin:
        raise RoleNotAllowed("只有系统管理员可以创建或吊销接口令牌。", "only admins manage API tokens")


@action
def create_token(ctx: Ctx, *, username: str, label: str = "") -> MadeToken:
    """A new token for `username` (an active user), scoped by the user's agency and role; logged in admin_event."""
    _require_admin(ctx)
    user = user_by_username(ctx.session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=token_hash(token), prefix=token[:10], user_id=user.id, agency_id=user.agency_id,
                   role=Role(user.role), label=label.strip(), created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    _audit(ctx, row, "api_token_create", user)
    return MadeToken(row, token)


@action
def revoke_token(ctx: Ctx, *, token_id: int) -> ApiToken:
    """The token refuses from now on; revoking twice changes nothing."""
    _require_admin(ctx)
    row = ctx.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"接口令牌 {token_id} 不存在。", f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = ctx.now
        ctx.session.add(row)
        _audit(ctx, row, "api_token_revoke", ctx.session.get(User, row.user_id))
    return row


def tokens(session: Session, *, username: str | None = None) -> list[tuple[ApiToken, User]]:
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if username:
        query = query.where(User.username == username)
    return list(session.exec(query))


def authenticate(session: Session, token: str | None) -> User:
    """The user a bearer token acts as, or TokenRefused; the lookup is by hash, then compared in constant time."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise TokenRefused("缺少有效的接口令牌，请在 Authorization 头中提供 Bearer 令牌。", "no bearer token")
    digest = token_hash(token)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        raise TokenRefused("接口令牌无效或已吊销。", "unknown or revoked token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise TokenRefused("接口令牌所属用户已停用。", "token of an inactive user")
    if user.agency_id != row.agency_id or Role(user.role) != Role(row.role):
        raise TokenRefused("接口令牌所属用户的机关或角色已变更，令牌已失效，请重新申请令牌。", "token scope changed")
    return user
