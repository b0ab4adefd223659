"""``claimcalc test``'s table: one row per case, the first difference of each failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimcalc.i18n import N_, _

if TYPE_CHECKING:
    from rich.table import Table

    from claimcalc.cases import Report

_STYLE = {"pass": "green", "fail": "red", "error": "red"}
_STATUS = {"pass": N_("pass"), "fail": N_("fail"), "error": N_("error")}


def cases_table(report: Report) -> Table:
    from rich.table import Table
    from rich.text import Text

    # Text, not markup: a case's name or a message may hold brackets.
    table = Table(
        title=_("Cases"),
        title_justify="left",
        caption=Text(report.summary),
        caption_justify="left",
    )
    table.add_column(_("result"))
    table.add_column(_("case"))
    table.add_column(_("where"), no_wrap=True)
    table.add_column(_("first difference"))
    for result in report.results:
        status = result.status
        first = result.first
        if len(result.differences) > 1:
            first += _(" (and {count} more)").format(count=len(result.differences) - 1)
        table.add_row(
            Text(_(_STATUS[status]), style=_STYLE[status]),
            Text(result.case.name),
            Text(result.case.where),
            Text(first),
        )
    return table
