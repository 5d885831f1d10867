"""A page of a list with its total (GOV.UK pagination), the one shape every paged list takes: a
list is never cut silently, and a page past the end shows the last."""

from __future__ import annotations

from dataclasses import dataclass


def page_links(page: int, pages: int) -> list[int | None]:
    """GOV.UK pagination: first and last page, the current page and one either side, ellipses
    (None) for the gaps; every page when there are few."""
    if pages <= 1:
        return []
    wanted = {1, pages, page - 1, page, page + 1}
    links: list[int | None] = []
    for number in range(1, pages + 1):
        if number in wanted:
            links.append(number)
        elif links and links[-1] is not None:
            links.append(None)
    return links


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page)) if per_page else 1


def within(page: int, total: int, per_page: int) -> int:
    """The page asked for, kept between the first and the last."""
    return min(max(page, 1), page_count(total, per_page))


@dataclass(frozen=True, kw_only=True)
class Page:
    """One page of a list: its rows, the list's total, which page and how many a page holds. A list
    with more to say (counts by group, unread…) subclasses it with its own fields."""

    rows: list
    total: int
    page: int = 1
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)

    @property
    def page_links(self) -> list[int | None]:
        return page_links(self.page, self.pages)


def page_of(rows, *, page: int = 1, per_page: int, total: int | None = None) -> Page:
    """A page of a query and its total (two queries), or of a list already read. A caller that
    knows the total already (`total`) gives it, and it is not counted again."""
    if total is None:
        total = len(rows) if isinstance(rows, list) else rows.count()
    page = within(page, total, per_page)
    start = (page - 1) * per_page
    return Page(rows=list(rows[start:start + per_page]), total=total, page=page, per_page=per_page)
