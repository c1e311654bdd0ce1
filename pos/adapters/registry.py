"""Which adapter speaks to which POS: one entry per module of pos.adapters (a third POS is one more line)."""

from __future__ import annotations

from pos.adapters.base import PosAdapter, PosResponseInvalid
from pos.adapters.iiko import IikoAdapter
from pos.adapters.rkeeper import RkeeperAdapter

ADAPTERS: dict[str, type[PosAdapter]] = {adapter.kind: adapter for adapter in (IikoAdapter, RkeeperAdapter)}


def adapter_class(kind: str) -> type[PosAdapter]:
    try:
        return ADAPTERS[kind]
    except KeyError as error:
        raise PosResponseInvalid(f"No adapter polls POS type {kind!r}") from error
