"""Table rows -> Markdown, LaTeX or CSV. Numbers are rounded here and nowhere else."""
from __future__ import annotations

import csv
import io
import math

COLUMNS = [
    ("setting", "setting"),
    ("seeds", "seeds"),
    ("final return (mean ± 95% CI)", None),
    ("IQM", "final_return_iqm"),
    ("reached target", None),
    ("median steps to target", "median_steps_to_target"),
    ("median seconds to target", "median_seconds_to_target"),
    ("SPS", "sps"),
]


def _number(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if abs(value) < 10_000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _cells(row: dict) -> list[str]:
    cells = []
    for header, key in COLUMNS:
        if header.startswith("final return"):
            cells.append(f"{_number(row['final_return_mean'])} [{_number(row['ci95_low'])}, {_number(row['ci95_high'])}]")
        elif header == "reached target":
            cells.append(f"{row['solved']}/{row['seeds']}")
        else:
            cells.append(_number(row[key], digits=0 if key in ("sps", "median_steps_to_target") else 1))
    return cells


def markdown(rows: list[dict]) -> str:
    headers = [header for header, _ in COLUMNS]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def latex(rows: list[dict]) -> str:
    escape = lambda text: text.replace("_", r"\_").replace("%", r"\%").replace("±", r"$\pm$")  # noqa: E731
    lines = [r"\begin{tabular}{l" + "r" * (len(COLUMNS) - 1) + "}", r"\toprule"]
    lines.append(" & ".join(escape(header) for header, _ in COLUMNS) + r" \\")
    lines.append(r"\midrule")
    lines += [" & ".join(escape(cell) for cell in _cells(row)) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def csv_text(rows: list[dict]) -> str:
    """Unrounded values, for further analysis."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


FORMATS = {"markdown": markdown, "latex": latex, "csv": csv_text}
