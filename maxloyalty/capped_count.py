"""Counting a list that may hold millions of rows: count up to a cap and say "more than" past it.

An exact `count(*)` of a chain's million guests is a scan of the table on every page (about 3 s at full scale,
docs/benchmarks.md); counting `LIMIT cap + 1` rows stops early. The pages and the API share this one rule: the
apps choose the cap (guests.selectors.GUEST_COUNT_CAP), this module counts and paginates by it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from math import ceil
from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet


@dataclass(frozen=True)
class CappedCount:
    total: int  # the rows counted, at most the cap
    more: bool  # whether there are more rows than the cap


def capped_count(rows: QuerySet[Any], cap: int) -> CappedCount:
    """How many rows `rows` holds, counted up to `cap` (a walk that stops there), and whether there are more."""
    counted = rows.order_by()[: cap + 1].count()
    return CappedCount(total=min(counted, cap), more=counted > cap)


class CappedCountPaginator(Paginator[Any]):
    """Django's paginator with `count` from a capped counter (`counting_with` makes one per counter). A page number
    past the capped count (a client walking page numbers deep into a long list) gets the exact count once, so every
    page an exact count would serve is still served; `count_is_capped` says whether `count` stopped at the cap."""

    count_is_capped = False

    @staticmethod
    def counter(rows: Any) -> CappedCount:
        raise NotImplementedError  # set by counting_with

    @classmethod
    def counting_with(cls, counter: Callable[[Any], CappedCount]) -> type[CappedCountPaginator]:
        return type("CappedCountPaginator", (cls,), {"counter": staticmethod(counter)})

    @cached_property
    def count(self) -> int:
        counted = self.counter(self.object_list)
        self.count_is_capped = counted.more
        return counted.total

    @cached_property
    def num_pages(self) -> int:
        """Past a capped count there is at least one more row: the page holding it is counted, so the last page
        below the cap links on."""
        count = self.count  # sets count_is_capped
        if not self.count_is_capped:
            return super().num_pages
        return ceil((count + 1) / self.per_page)

    def page(self, number: Any) -> Page[Any]:
        """Django's page, except that below a capped count the page is not cut at `count` (more rows follow)."""
        number = self.validate_number(number)  # counts first; past the cap it counts exactly
        if not self.count_is_capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        return Page(self.object_list[bottom : bottom + self.per_page], number, self)

    def validate_number(self, number: Any) -> int:
        try:
            return super().validate_number(number)
        except EmptyPage:
            if not self.count_is_capped:
                raise
        rows = self.object_list
        self.__dict__["count"] = rows.count() if isinstance(rows, QuerySet) else len(rows)
        self.__dict__.pop("num_pages", None)
        self.count_is_capped = False
        return super().validate_number(number)
