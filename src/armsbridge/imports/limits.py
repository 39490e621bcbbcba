"""The limits an imported file is held to (settings `import_max_*`), and the refusals they give."""

from __future__ import annotations

from dataclasses import dataclass

from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_, Label, Phrase
from armsbridge.settings import Settings, get_settings

# Markers the readers put in a row's values for the planner: cells past the header, and
# problems found while reading (a short row, a NUL character, a formula with no saved value).
EXTRA_CELLS = "\x00extra"
ROW_PROBLEMS = "\x00problems"


@dataclass(frozen=True)
class FileLimits:
    """How large an imported file, its cells, rows and columns, and its XLSX parts may be."""

    max_file_bytes: int
    max_cell_chars: int
    max_rows: int
    max_columns: int
    max_unpacked_bytes: int
    max_compression_ratio: int

    @classmethod
    def of(cls, settings: Settings | None = None) -> FileLimits:
        """Return the limits of `settings` (the process settings when None)."""
        s = settings or get_settings()
        return cls(
            max_file_bytes=s.import_max_file_bytes,
            max_cell_chars=s.import_max_cell_chars,
            max_rows=s.import_max_rows,
            max_columns=s.import_max_columns,
            max_unpacked_bytes=s.import_max_unpacked_bytes,
            max_compression_ratio=s.import_max_compression_ratio,
        )


def over_limit(where: str, what: str, limit: int, setting: str, advice: str) -> UserError:
    """Return the refusal of a file past a limit: where, what, the limit, its setting, advice.

    `what` and `advice` are catalog phrases (`Phrase`, `Label`) so the page translates them.
    """
    return UserError(
        N_("%(where)s: %(what)s, over the limit of %(limit)s (setting %(setting)s); %(advice)s"),
        values={
            "where": where,
            "what": what,
            "limit": f"{limit:,}",
            "setting": f"ARMSBRIDGE_{setting.upper()}",
            "advice": advice,
        },
    )


def check_file_size(where: str, size: int, limits: FileLimits) -> None:
    """Refuse a file larger than `max_file_bytes` before reading it."""
    if size > limits.max_file_bytes:
        raise over_limit(
            where,
            Phrase(N_("the file has %(size)s bytes"), {"size": f"{size:,}"}),
            limits.max_file_bytes,
            "import_max_file_bytes",
            Label(N_("split the export into smaller files")),
        )


def cell_too_long(where: str, what: str, limits: FileLimits) -> UserError:
    """Return the refusal of a cell past `max_cell_chars` (`what` says how long it is)."""
    return over_limit(
        where,
        what,
        limits.max_cell_chars,
        "import_max_cell_chars",
        Label(
            N_(
                'a quote (") that is never closed makes one cell of the rest of the file: '
                "check the quotes of that row, or shorten the cell"
            )
        ),
    )


def check_cell(where: str, text: str, limits: FileLimits) -> None:
    """Refuse a cell longer than `max_cell_chars` (the whole file: it is most often broken)."""
    if len(text) > limits.max_cell_chars:
        what = Phrase(N_("a cell of %(count)s characters"), {"count": f"{len(text):,}"})
        raise cell_too_long(where, what, limits)


def check_columns(where: str, count: int, limits: FileLimits) -> None:
    """Refuse a header wider than `max_columns`."""
    if count > limits.max_columns:
        raise over_limit(
            where,
            Phrase(N_("the header has %(count)s columns"), {"count": f"{count:,}"}),
            limits.max_columns,
            "import_max_columns",
            Label(N_("export only the columns the profile maps")),
        )


def check_rows(where: str, count: int, limits: FileLimits) -> None:
    """Refuse a file once it has more than `max_rows` data rows."""
    if count > limits.max_rows:
        raise over_limit(
            where,
            Phrase(
                N_("the file has more than %(count)s data rows"), {"count": f"{limits.max_rows:,}"}
            ),
            limits.max_rows,
            "import_max_rows",
            Label(N_("split the export into smaller files")),
        )
