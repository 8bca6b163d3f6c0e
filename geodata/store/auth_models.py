"""Tables of signing in (migration 0005): server-side sessions and the grants that widen a role.

- `auth_sessions`: one row per sign-in. The browser holds a random token; the table holds only its SHA-256, so a
  copy of the database does not let anyone sign in. A session ends when it is signed out (`revoked_at`), when it
  has been idle too long (`last_seen`) or at its absolute end (`expires_at`); see geodata.people.sessions.
- `user_grants`: extra rights given to one user on top of their role, e.g. `persons` lets a command-centre user
  see person-level records (the role alone sees counts only, domain file §5.3, scenario 19). Granting and
  revoking are events in the log (geodata.people.accounts.grant / revoke_grant).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from geodata.store.models import Base, utcnow


class AuthSession(Base):
    """A signed-in browser: who, since when, until when at the latest, last seen when."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UserGrant(Base):
    """A right given to one user beyond their role (`persons`: person-level records within their scope)."""

    __tablename__ = "user_grants"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. persons
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("user_id", "kind"),)
