"""The one table writer of the benchmarks: markdown tables, printed row by row as results
arrive (a long benchmark shows what it has so far)."""


class Table:
    """`Table([("learner", "learner"), ("it/s", lambda r: f"{r['rate']:.1f}")])` prints the header;
    `.row(r)` prints one row. A column is (header, key of the row or function of the row); a
    missing or None value prints empty."""

    def __init__(self, columns, title=None):
        self.columns = list(columns)
        if title:
            print(f"\n{title}")
        print("| " + " | ".join(header for header, _ in self.columns) + " |")
        print("|" + "---|" * len(self.columns), flush=True)

    def row(self, row):
        cells = [cell(row) if callable(cell) else row.get(cell) for _, cell in self.columns]
        print("| " + " | ".join("" if c is None else str(c) for c in cells) + " |", flush=True)


def print_table(rows, columns, title=None):
    table = Table(columns, title)
    for row in rows:
        table.row(row)
