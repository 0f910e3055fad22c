"""Which remote agent (a probe token) last sent results for which target, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.account import ApiToken
from slatrack.models.base import Base, utcnow
from slatrack.models.monitoring import Target


class AgentContact(Base):
    """One (agent, target) pair: the agent's token sent results for the target; updated at each batch."""

    __tablename__ = "agent_contacts"
    __audited__ = False  # bookkeeping of machine traffic, like the results themselves
    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
    batches: Mapped[int] = mapped_column(default=0)

    token: Mapped[ApiToken] = relationship()
    target: Mapped[Target] = relationship()

    __table_args__ = (UniqueConstraint("token_id", "target_id"),)
