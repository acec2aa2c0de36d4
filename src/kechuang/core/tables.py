"""Server-side sorted, paged lists: the whitelisted ORDER BY that services use, and the one Quasar
table wiring (sort headers, pages, row links, the year selector) that list pages use.

A list page shows one page of rows; the sort is done by the database over the whole scoped list,
so page 2 continues page 1 in the chosen order. The sort key from the browser is only looked up in
the service's whitelist, never put into SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from nicegui import run, ui
from sqlalchemy import ColumnElement

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class PageRequest:
    """One page of a sorted list: page number from 1, rows per page, sort key and direction."""

    page: int = 1
    size: int = 20
    sort: str | None = None
    descending: bool = False

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.clamped_page - 1) * self.limit

    @property
    def limit(self) -> int:
        """Rows on this page (1 to MAX_PAGE_SIZE)."""
        return max(1, min(int(self.size), MAX_PAGE_SIZE))

    @property
    def clamped_page(self) -> int:
        """The page number, at least 1."""
        return max(1, int(self.page))


def sort_order(
    columns: Mapping[str, Any],
    sort: str | None,
    descending: bool,
    tiebreak: Any,
    default: str,
) -> list[ColumnElement]:
    """ORDER BY for a sort key looked up in a whitelist (an unknown key sorts by `default`), with
    empty values last either way and a unique tiebreak so that pages neither repeat nor skip rows."""
    column = columns.get(sort or "")
    if column is None:
        column = columns[default]
    first = column.desc() if descending else column.asc()
    if getattr(getattr(column, "expression", column), "nullable", True) is not False:
        # NULLs last in both directions: SQLite and PostgreSQL disagree on their default place.
        # Not on a NOT NULL column: PostgreSQL then reads an index on it in order and stops at
        # the page (the points list at 100,000 enterprises sorted 90,673 rows per view).
        first = first.nulls_last()
    return [first, tiebreak]


Fetch = Callable[[PageRequest], tuple[list[dict[str, Any]], int]]


class ServerTable:
    """A ui.table whose sorting and paging are done by `fetch` on the server (run off the event
    loop); clicking a sortable header or a page button asks for the page again."""

    def __init__(
        self,
        columns: list[dict[str, Any]],
        fetch: Fetch,
        *,
        row_key: str = "id",
        rows_per_page: int = 20,
        sort: str | None = None,
        descending: bool = False,
        on_total: Callable[[int], None] | None = None,
    ) -> None:
        self.fetch = fetch
        self.on_total = on_total
        self.table = ui.table(
            columns=columns,
            rows=[],
            row_key=row_key,
            pagination={
                "rowsPerPage": rows_per_page,
                "page": 1,
                "rowsNumber": 0,
                "sortBy": sort,
                "descending": descending,
            },
        ).classes("w-full")
        self.table.on("request", self._on_request)

    async def _on_request(self, e: Any) -> None:
        await self.load(e.args["pagination"])

    async def reload(self) -> None:
        """Fetch the first page again (after the filters changed), keeping the sort."""
        await self.load({**self.table.pagination, "page": 1})

    async def load(self, pagination: dict[str, Any]) -> None:
        """Fetch the page that `pagination` (Quasar's sortBy/descending/page/rowsPerPage) names."""
        request = PageRequest(
            page=int(pagination.get("page") or 1),
            size=int(pagination.get("rowsPerPage") or 20),
            sort=pagination.get("sortBy") or None,
            descending=bool(pagination.get("descending")),
        )
        rows, total = await run.io_bound(self.fetch, request)
        self.table.rows = rows
        self.table.pagination = {**pagination, "rowsNumber": total}
        self.table.update()
        if self.on_total is not None:
            self.on_total(total)


def sortable_columns(
    spec: Sequence[tuple[str, str]], sortable: Sequence[str] = (), right: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Quasar column dicts from (field, header) pairs; the named ones get a sort header, figures
    are right-aligned."""
    return [
        {
            "name": k,
            "label": v,
            "field": k,
            "align": "right" if k in right else "left",
            "sortable": k in sortable,
        }
        for k, v in spec
    ]


def link_cell(table: ui.table, column: str, url_field: str = "url") -> None:
    """Show a column as a link to the row's detail page; a row without a url (a page the role may
    not open) shows plain text."""
    table.add_slot(
        f"body-cell-{column}",
        f'<q-td :props="props"><a v-if="props.row.{url_field}" :href="props.row.{url_field}" '
        f'class="text-primary">{{{{ props.value }}}}</a><span v-else>{{{{ props.value }}}}</span>'
        "</q-td>",
    )


def chosen_year(requested: int | None, years: Sequence[int]) -> int | None:
    """The year a page shows: the requested one when data exist for it, else the newest."""
    if not years:
        return None
    return requested if requested in years else max(years)


def year_select(years: Sequence[int], value: int | None, label: str = "年度") -> ui.select:
    """A selector of the years with data; choosing one reopens the page with ?year= (so reloads
    and shared links keep the year), other query parameters kept."""
    options = {y: f"{y}年" for y in sorted(years, reverse=True)}
    select = ui.select(options, label=label, value=value).classes("w-32").mark("year-select")

    def reopen(e: Any) -> None:
        request = ui.context.client.request
        query = dict(request.query_params) if request is not None else {}
        query["year"] = str(e.value)
        path = request.url.path if request is not None else ""
        ui.navigate.to(f"{path}?{urlencode(query)}")

    select.on_value_change(reopen)
    return select


def money_cell(wan: float | None, unit: str = "万元") -> str:
    """An amount held in 万元 as a table cell in its column's one unit (万元 or 亿元, stated in the
    header), so that a column never mixes units; None as an em dash."""
    if wan is None:
        return "—"
    return f"{(wan / 10000 if unit == '亿元' else wan):,.2f}"
