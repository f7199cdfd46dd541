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


# Shown when a3c-eval has played the final policy of some runs (eval.json in their directories).
EVAL_COLUMN = ("final policy, a3c-eval (mean ± 95% CI)", None)


def _columns(rows: list[dict], metric: str) -> list[tuple]:
    if metric == "eval":  # the final return is the evaluation's; training's stay in the other columns
        return [("setting", "setting"), ("seeds", "seeds"), ("final greedy evaluation (mean ± 95% CI)", None)] + COLUMNS[3:]
    return COLUMNS[:3] + [EVAL_COLUMN] + COLUMNS[3:] if any(row.get("eval_runs") for row in rows) else COLUMNS


def _cells(row: dict, columns: list[tuple]) -> list[str]:
    cells = []
    for header, key in columns:
        if header.startswith(("final return", "final greedy")):
            cells.append(f"{_number(row['final_return_mean'])} [{_number(row['ci95_low'])}, {_number(row['ci95_high'])}]")
        elif header.startswith("final policy"):
            interval = f"{_number(row['eval_return_mean'])} [{_number(row['eval_ci95_low'])}, {_number(row['eval_ci95_high'])}]"
            cells.append(interval if row["eval_runs"] == row["seeds"] else f"{interval} ({row['eval_runs']} runs)")
        elif header == "reached target":
            cells.append(f"{row['solved']}/{row['seeds']}")
        else:
            cells.append(_number(row[key], digits=0 if key in ("sps", "median_steps_to_target") else 1))
    return cells


def markdown(rows: list[dict], metric: str = "train") -> str:
    columns = _columns(rows, metric)
    headers = [header for header, _ in columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cells(row, columns)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def latex(rows: list[dict], metric: str = "train") -> str:
    escape = lambda text: text.replace("_", r"\_").replace("%", r"\%").replace("±", r"$\pm$")  # noqa: E731
    columns = _columns(rows, metric)
    lines = [r"\begin{tabular}{l" + "r" * (len(columns) - 1) + "}", r"\toprule"]
    lines.append(" & ".join(escape(header) for header, _ in columns) + r" \\")
    lines.append(r"\midrule")
    lines += [" & ".join(escape(cell) for cell in _cells(row, columns)) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def csv_text(rows: list[dict], metric: str = "train") -> str:
    """Unrounded values, for further analysis."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


FORMATS = {"markdown": markdown, "latex": latex, "csv": csv_text}
