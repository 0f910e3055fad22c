"""Remote agents (探针): each probe token, its last contact, and the targets it sends results for.

An agent is a machine token (``slatrack token create NAME`` without ``--user``). Each accepted batch of
results notes, per target in it, which token sent it (``AgentContact``), so the agents page can say who
sends what, and which remote targets no agent has reported yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from slatrack.extensions import db
from slatrack.models import AgentContact, ApiToken, Target, utcnow


@dataclass(frozen=True)
class SentTarget:
    target: Target
    first_at: datetime
    last_at: datetime
    batches: int


@dataclass(frozen=True)
class Agent:
    token: ApiToken
    targets: list[SentTarget] = field(default_factory=list)

    @property
    def last_contact(self) -> datetime | None:
        times = [t.last_at for t in self.targets]
        if self.token.last_used_at is not None:
            times.append(self.token.last_used_at)
        return max(times) if times else None


def note_contacts(token_id: int | None, target_ids: Iterable[int], at: datetime | None = None) -> None:
    """Record that the agent behind ``token_id`` sent results for ``target_ids`` (no-op for a user)."""
    ids = sorted(set(target_ids))
    if token_id is None or not ids:
        return
    at = at or utcnow()
    known = {
        contact.target_id: contact
        for contact in db.session.scalars(
            select(AgentContact).where(AgentContact.token_id == token_id, AgentContact.target_id.in_(ids))
        )
    }
    for target_id in ids:
        contact = known.get(target_id)
        if contact is None:
            db.session.add(AgentContact(token_id=token_id, target_id=target_id, first_at=at, last_at=at, batches=1))
        else:
            contact.last_at = max(contact.last_at, at)
            contact.batches += 1
    db.session.commit()


def list_agents() -> list[Agent]:
    """Every probe token (revoked ones last), with the targets it has sent, most recent first."""
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id.is_(None)).order_by(ApiToken.name)))
    sent: dict[int, list[SentTarget]] = {token.id: [] for token in tokens}
    contacts = select(AgentContact).options(selectinload(AgentContact.target)).order_by(AgentContact.last_at.desc())
    for contact in db.session.scalars(contacts):
        if contact.token_id in sent:
            sent[contact.token_id].append(
                SentTarget(contact.target, contact.first_at, contact.last_at, contact.batches)
            )
    agents = [Agent(token, sent[token.id]) for token in tokens]
    return sorted(agents, key=lambda agent: agent.token.revoked_at is not None)


def unreported_remote_targets() -> list[Target]:
    """Active targets a remote agent should check (not in-process, not push) that no agent has sent yet."""
    reported = select(AgentContact.target_id)
    query = (
        select(Target)
        .where(Target.in_process.is_(False), Target.kind != "push", Target.retired_at.is_(None))
        .where(Target.id.not_in(reported))
        .order_by(Target.name)
    )
    return list(db.session.scalars(query))
