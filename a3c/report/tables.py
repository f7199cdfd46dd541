"""Table rows -> Markdown, LaTeX or CSV. Numbers are rounded here and nowhere else."""
from __future__ import annotations

import csv
import io
import math

# (header, key): a key of a row, or FINAL / FINAL_EVAL, a mean with its interval in one cell.
FINAL, FINAL_EVAL = "final", "final_eval"
COLUMNS = [
    ("setting", "setting"),
    ("seeds", "seeds"),
    ("final return, mean [95% CI]", FINAL),
    ("IQM", "final_return_iqm"),
    ("reached target", "solved"),
    ("median steps to target", "median_steps_to_target"),
    ("median seconds to target", "median_seconds_to_target"),
    ("SPS", "sps"),
]
# Shown when a3c-eval has played the final policy of some runs greedily, with their own env
# settings (report/runs.py, final_policy_evaluation); the header says how many episodes.
EVAL_COLUMN = ("final policy, a3c-eval greedy{episodes}, mean [95% CI]", FINAL_EVAL)
# Decimals of each rounded value; the rest of the numbers get DEFAULT_DIGITS.
DIGITS = {"sps": 0, "median_steps_to_target": 0}
DEFAULT_DIGITS = 1
CSV_DIGITS = 2  # a returns column to 0.01 is finer than any CI we can report from a few seeds


def _number(value, digits: int = DEFAULT_DIGITS) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        value = round(value, digits) + 0.0  # what rounds to zero prints as 0.0, never -0.0
        return f"{value:,.{digits}f}" if abs(value) < 10_000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _columns(rows: list[dict], metric: str) -> list[tuple]:
    if metric == "eval":  # the final return is the evaluation's; training's stay in the other columns
        return COLUMNS[:2] + [("final greedy evaluation, mean [95% CI]", FINAL), ("evaluation read", "final_from")] + COLUMNS[3:]
    if not any(row.get("eval_runs") for row in rows):
        return COLUMNS
    counts = sorted({n for row in rows for n in row.get("eval_episodes", "").split(", ") if n}, key=int)
    episodes = f" ({' or '.join(counts)} episodes)" if counts else ""
    return COLUMNS[:3] + [(EVAL_COLUMN[0].format(episodes=episodes), FINAL_EVAL)] + COLUMNS[3:]


def _mean_with_interval(mean, low, high) -> str:
    """One value has no interval: the cell is its mean alone."""
    return _number(mean) if low is None else f"{_number(mean)} [{_number(low)}, {_number(high)}]"


def _cells(row: dict, columns: list[tuple]) -> list[str]:
    cells = []
    for _, key in columns:
        if key == FINAL:
            cell = _mean_with_interval(row["final_return_mean"], row["ci95_low"], row["ci95_high"])
            cells.append(_of_runs(cell, row["final_runs"], row["seeds"]))
        elif key == FINAL_EVAL:
            cell = _mean_with_interval(row["eval_return_mean"], row["eval_ci95_low"], row["eval_ci95_high"])
            cells.append(_of_runs(cell, row["eval_runs"], row["seeds"]))
        elif key == "seeds":
            early = row.get("stopped_early")
            cells.append(f"{row['seeds']}" + (f" ({early} stopped early)" if early else ""))
        elif key == "solved":
            cells.append(f"{row['solved']}/{row['seeds']}")
        else:
            cells.append(_number(row[key], digits=DIGITS.get(key, DEFAULT_DIGITS)))
    return cells


def _of_runs(cell: str, runs: int, seeds: int) -> str:
    """A mean over fewer runs than the row's seeds says so."""
    return cell if runs == seeds else f"{cell} ({runs} run{'' if runs == 1 else 's'})"


def markdown(rows: list[dict], metric: str = "train") -> str:
    columns = _columns(rows, metric)
    headers = [header for header, _ in columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cells(row, columns)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


LATEX_ESCAPES = {"_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "—": "---"}


def latex(rows: list[dict], metric: str = "train") -> str:
    escape = lambda text: "".join(LATEX_ESCAPES.get(char, char) for char in text)  # noqa: E731
    columns = _columns(rows, metric)
    lines = [r"% \toprule, \midrule and \bottomrule need \usepackage{booktabs}",
             r"\begin{tabular}{l" + "r" * (len(columns) - 1) + "}", r"\toprule"]
    lines.append(" & ".join(escape(header) for header, _ in columns) + r" \\")
    lines.append(r"\midrule")
    lines += [" & ".join(escape(cell) for cell in _cells(row, columns)) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def csv_text(rows: list[dict], metric: str = "train") -> str:
    """Every column of the rows, for further analysis: returns to CSV_DIGITS decimals, steps and
    SPS whole; an empty field where there is no value (no interval from one seed)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows({key: _csv_value(key, value) for key, value in row.items()} for row in rows)
    return out.getvalue()


def _csv_value(key: str, value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        digits = DIGITS.get(key, CSV_DIGITS)
        return round(value, digits) + 0.0 if digits else round(value)  # + 0.0: never -0.0
    return value


FORMATS = {"markdown": markdown, "latex": latex, "csv": csv_text}
