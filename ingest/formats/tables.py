"""Tables as readable rows, the same for every format."""

from __future__ import annotations


def table_lines(rows: list[list[str]], header: list[str] | None) -> list[str]:
    """One line per row; with a header row, each cell is named by its column.

    >>> table_lines([["Lima", "9.7"], ["Quito", ""]], ["City", "Millions"])
    ['City: Lima; Millions: 9.7', 'City: Quito']
    >>> table_lines([["a", "b"]], None)
    ['a | b']
    """
    lines = []
    for row in rows:
        if header:
            cells = [f"{h}: {c}" if h else c for h, c in zip(header, row) if c]
            line = "; ".join(cells)
        else:
            line = " | ".join(c for c in row if c)
        if line.strip():
            lines.append(line)
    return lines
