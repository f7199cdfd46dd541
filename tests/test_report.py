"""a3c-report on run directories with known numbers, and on a real tiny sweep."""
import csv
import io
import json
import shutil
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest
import yaml
from conftest import run_cli

from a3c.report.main import build_report, main
from a3c.report.runs import count_lineages_once, find_run_dirs, load_run
from a3c.report.settings import group_settings, setting_row


def write_run(path, entropy_coef, seed, final, solved_at=None, episodes=None, config_extra=None):
    """A run whose training episodes end at `final` (the report reads the last 100 from the curve)."""
    path.mkdir(parents=True)
    episodes = episodes or ((10, final), (30, final))
    config = {"algo": {"name": "a3c", "entropy_coef": entropy_coef, "lr": 7e-4}, "train": {"seed": seed}, "logger": {"name": f"x{seed}"}}
    for section, values in (config_extra or {}).items():
        config[section] = {**config.get(section, {}), **values} if isinstance(values, dict) else values
    (path / "config.yaml").write_text(yaml.safe_dump(config))
    summary = {"env_id": "CartPole-v1", "global_step": 100, "mean_return_last_100": final, "sps": 1000.0 + seed, "target_return": 475.0,
               "solved_at_step": solved_at, "solved_at_seconds": None if solved_at is None else solved_at / 10}
    (path / "summary.json").write_text(json.dumps(summary))
    lines = [{"global_step": step, "charts/episodic_return": ret} for step, ret in episodes]
    lines.append({"global_step": 100, "losses/policy": 0.1})
    (path / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


FINALS = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 1000.0]


@pytest.fixture
def sweep(tmp_path):
    for seed, final in enumerate(FINALS):
        write_run(tmp_path / "sweep" / f"a{seed}", 0.0, seed, final, solved_at=100 * (seed + 1) if seed < 3 else None)
    for seed in range(2):
        write_run(tmp_path / "sweep" / f"b{seed}", 0.01, seed, 5.0)
    return tmp_path / "sweep"


def test_runs_group_by_the_keys_that_vary_except_the_seed(sweep):
    keys, settings = group_settings([load_run(d) for d in find_run_dirs([sweep])])
    assert keys == ["algo.entropy_coef"]
    assert sorted((s.label, len(s.runs)) for s in settings) == [("algo.entropy_coef=0.0", 8), ("algo.entropy_coef=0.01", 2)]


def test_labels_name_only_the_keys_that_define_an_experiment(tmp_path):
    # Two runs per entropy coefficient that differ in everything about how they ran: time caps, a
    # resume path, progress, checkpoints, periodic evaluation, and a key the schema lacks.
    how_they_ran = [
        {"train": {"max_minutes": 5, "resume": None, "progress": True,
                   "checkpoint_every_steps": 100, "eval_every_steps": 0, "eval_episodes": 10}},
        {"train": {"max_minutes": 60, "resume": "outputs/run", "progress": False,
                   "checkpoint_every_steps": 0, "eval_every_steps": 500, "eval_episodes": 3}, "foo": 1},
    ]
    for entropy_coef in (0.0, 0.01):
        for seed, config_extra in enumerate(how_they_ran):
            write_run(tmp_path / "runs" / f"{entropy_coef}-{seed}", entropy_coef, seed, 10.0, config_extra=config_extra)
    keys, settings = group_settings([load_run(d) for d in find_run_dirs([tmp_path / "runs"])])
    assert keys == ["algo.entropy_coef"]
    assert [(s.label, len(s.runs)) for s in settings] == [("algo.entropy_coef=0.0", 2), ("algo.entropy_coef=0.01", 2)]


def test_table_values_match_the_known_numbers(sweep):
    _, settings = group_settings([load_run(d) for d in find_run_dirs([sweep])])
    row = setting_row(next(s for s in settings if s.label == "algo.entropy_coef=0.0"))
    assert row["seeds"] == 8
    assert row["final_return_mean"] == pytest.approx(np.mean(FINALS))
    assert row["final_return_iqm"] == pytest.approx(35.0)  # mean of the middle four: 20, 30, 40, 50
    # 3 of 8 runs reached the target (at 100, 200, 300 steps): the other 5 never did, so no median.
    assert (row["solved"], row["median_steps_to_target"], row["median_seconds_to_target"]) == (3, None, None)
    assert row["sps"] == pytest.approx(1003.5)
    # Student's t: mean ± t(0.975, 7 degrees of freedom) · s / √8, the quantile from a printed table.
    half_width = 2.364624 * np.std(FINALS, ddof=1) / np.sqrt(8)
    assert (row["ci95_low"], row["ci95_high"]) == pytest.approx((151.25 - half_width, 151.25 + half_width))


def test_markdown_latex_and_csv(sweep, tmp_path):
    markdown = build_report([sweep], tmp_path / "md")[0]
    assert "| algo.entropy_coef=0.01 | 2 | 5.0 [5.0, 5.0] | 5.0 | 0/2 | — | — | 1,000 |" in markdown
    latex = build_report([sweep], tmp_path / "tex", fmt="latex")[0]
    assert r"\begin{tabular}" in latex and r"algo.entropy\_coef=0.01 & 2 & 5.0 [5.0, 5.0]" in latex
    csv_text = build_report([sweep], tmp_path / "csv", fmt="csv")[0]
    assert csv_text.splitlines()[0].startswith("setting,seeds,final_return_mean,ci95_low,ci95_high")
    assert (tmp_path / "tex" / "table.tex").exists() and (tmp_path / "csv" / "curves.png").stat().st_size > 0


def test_one_seed_has_no_interval_and_every_header_says_what_its_cells_hold(tmp_path):
    write_run(tmp_path / "runs" / "a0", 0.0, 0, final=39.18333)
    write_run(tmp_path / "runs" / "b0", 0.01, 0, final=5.0)
    write_run(tmp_path / "runs" / "b1", 0.01, 1, final=7.25)
    markdown = build_report([tmp_path / "runs"], tmp_path / "md")[0]
    assert markdown.startswith("| setting | seeds | final return, mean [95% CI] | IQM |")
    assert "| algo.entropy_coef=0.0 | 1 | 39.2 | 39.2 | 0/1 |" in markdown  # not 39.2 [39.2, 39.2]
    assert "| algo.entropy_coef=0.01 | 2 | 6.1 [-8.2, 20.4] |" in markdown  # t(0.975, 1) = 12.71: two seeds say little
    latex = build_report([tmp_path / "runs"], tmp_path / "tex", fmt="latex")[0]
    assert latex.startswith("% ") and r"\usepackage{booktabs}" in latex.splitlines()[0]
    assert r"final return, mean [95\% CI]" in latex and r"algo.entropy\_coef=0.0 & 1 & 39.2 & 39.2 & 0/1 & --- & --- & 1,000" in latex
    rows = list(csv.DictReader(io.StringIO(build_report([tmp_path / "runs"], tmp_path / "csv", fmt="csv")[0])))
    assert (rows[0]["final_return_mean"], rows[0]["ci95_low"], rows[0]["ci95_high"]) == ("39.18", "", "")
    assert (rows[1]["final_return_mean"], rows[1]["ci95_low"], rows[1]["sps"]) == ("6.12", "-8.17", "1000")


def test_a_run_without_episodes_is_left_out_of_the_mean_and_its_curve_and_the_table_says_so(tmp_path):
    from a3c.report.curves import setting_curve

    write_run(tmp_path / "runs" / "r0", 0.01, 0, final=10.0)
    write_run(tmp_path / "runs" / "r1", 0.01, 1, final=20.0)
    write_run(tmp_path / "runs" / "r2", 0.01, 2, final=0.0)
    (tmp_path / "runs" / "r2" / "metrics.jsonl").write_text(json.dumps({"global_step": 100, "losses/policy": 0.1}) + "\n")
    summary = json.loads((tmp_path / "runs" / "r2" / "summary.json").read_text())
    (tmp_path / "runs" / "r2" / "summary.json").write_text(json.dumps({**summary, "mean_return_last_100": None}))
    markdown = build_report([tmp_path / "runs"], tmp_path / "md")[0]
    assert "| all runs | 3 | 15.0 [-48.5, 78.5] (2 runs) |" in markdown
    _, [setting] = group_settings([load_run(d) for d in find_run_dirs([tmp_path / "runs"])])
    mean, low, high = setting_curve(setting.runs, np.array([50, 100]))
    assert mean.tolist() == [15.0, 15.0] and low[-1] == pytest.approx(-48.531) and high[-1] == pytest.approx(78.531)
    assert setting.runs[0].final_source == "all 2 training episodes"  # not "the last 100"


def test_a_curve_ends_where_its_shortest_run_ends_unless_that_run_stopped_solved(tmp_path):
    from a3c.report.curves import setting_curve

    def curve(stop_reason):
        runs = tmp_path / stop_reason.split()[0]
        write_run(runs / "short", 0.01, 0, final=10.0)  # its budget: 100 steps
        (runs / "short" / "summary.json").write_text(json.dumps(
            {**json.loads((runs / "short" / "summary.json").read_text()), "stop_reason": stop_reason}))
        write_run(runs / "long", 0.01, 1, final=30.0, episodes=((10, 30.0), (250, 30.0)))
        summary = json.loads((runs / "long" / "summary.json").read_text())
        (runs / "long" / "summary.json").write_text(json.dumps({**summary, "global_step": 300}))
        _, [setting] = group_settings([load_run(d) for d in find_run_dirs([runs])])
        return setting_curve(setting.runs, np.array([50, 100, 150, 200, 250, 300]))[0].tolist()

    out_of_budget = curve("step budget reached")  # what it would have scored after 100 steps is not known, but
    # 100 covers the grid up to the next point (runs of one budget overshoot it by different amounts)
    assert out_of_budget[:3] == [20.0, 20.0, 20.0] and np.isnan(out_of_budget[3:]).all()
    assert curve("solved: mean return of the last 100 episodes >= 475") == [20.0] * 6


def test_settings_whose_floats_agree_to_three_digits_stay_apart_and_are_labelled_in_full(tmp_path):
    for seed, lr in enumerate((0.0012341, 0.0012349, 0.005)):
        write_run(tmp_path / "runs" / f"r{seed}", 0.01, seed, 10.0 * seed, config_extra={"algo": {"lr": lr}})
    _, settings = group_settings([load_run(d) for d in find_run_dirs([tmp_path / "runs"])])
    assert sorted((s.label, len(s.runs)) for s in settings) == [
        ("algo.lr=0.0012341", 1), ("algo.lr=0.0012349", 1), ("algo.lr=0.005", 1)]


def test_no_runs_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit, match="no run directories"):
        main([str(tmp_path)])


def test_report_on_a_real_two_setting_sweep(tmp_path):
    sweep = tmp_path / "real"
    result = run_cli("-m", "workers=serial", "logger=off", "train.progress=false", "train.total_steps=3000",
                     "algo.n_steps=5,20", "train.seed=0,1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    table = build_report([sweep], tmp_path / "report")[0]
    rows = [line for line in table.splitlines() if line.startswith("| algo.n_steps=")]
    assert [row.split(" | ")[0:2] for row in rows] == [["| algo.n_steps=5", "2"], ["| algo.n_steps=20", "2"]]
    png = tmp_path / "report" / "curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def add_evaluations(path, periodic, final_policy=None):
    """periodic: (global_step, eval/mean_return) lines; final_policy: a3c-eval's eval.json mean."""
    with open(path / "metrics.jsonl", "a") as metrics:
        metrics.writelines(json.dumps({"global_step": s, "eval/mean_return": r}) + "\n" for s, r in periodic)
    summary = json.loads((path / "summary.json").read_text())
    summary["eval_last_mean_return"] = periodic[-1][1] if periodic else None
    (path / "summary.json").write_text(json.dumps(summary))
    if final_policy is not None:
        (path / "eval.json").write_text(json.dumps({"mean_return": final_policy}))


def test_an_evaluation_of_a_policy_the_run_has_trained_on_from_does_not_stand_for_its_final_one(tmp_path):
    write_run(tmp_path / "run", 0.0, 0, final=10.0)  # its summary: global_step 100
    record = {"policy": "policy.pt", "greedy": True, "env_overrides": [], "episodes": 10}
    (tmp_path / "run" / "evals.jsonl").write_text(json.dumps({**record, "global_step": 50, "mean_return": 7.0}) + "\n")
    assert load_run(tmp_path / "run").final_eval is None  # evaluated at 50, then continued in place to 100
    with open(tmp_path / "run" / "evals.jsonl", "a") as records:
        records.write(json.dumps({**record, "global_step": 100, "mean_return": 9.0}) + "\n")
    assert load_run(tmp_path / "run").final_eval == 9.0


def test_the_eval_metric_scores_runs_by_their_evaluations_and_a3c_evals_final_policy(tmp_path):
    write_run(tmp_path / "runs" / "a", 0.0, 0, final=10.0)
    write_run(tmp_path / "runs" / "b", 0.0, 1, final=20.0)
    add_evaluations(tmp_path / "runs" / "a", [(50, 100.0), (100, 300.0)], final_policy=500.0)
    add_evaluations(tmp_path / "runs" / "b", [(50, 200.0), (100, 400.0)])
    runs = [load_run(d, "eval") for d in find_run_dirs([tmp_path / "runs"])]
    assert [run.final for run in runs] == [500.0, 400.0]  # eval.json first, else the last evaluation
    assert list(runs[1].curve_returns) == [200.0, 400.0] and runs[1].curve_window == 1
    table = build_report([tmp_path / "runs"], tmp_path / "out", metric="eval")[0]
    assert "final greedy evaluation" in table and "| 450.0 [" in table
    # It says which evaluations it read: a3c-eval's for run a, the last periodic one for run b.
    assert "| a3c-eval of the final policy (1 run); last periodic evaluation, 10 episodes (1 run) |" in table
    # The training metric keeps its final score and shows a3c-eval's beside it, for the runs that have one.
    table = build_report([tmp_path / "runs"], tmp_path / "out")[0]
    assert "| 15.0 [" in table and "| 500.0 (1 run) |" in table


def test_the_eval_metric_without_evaluations_is_one_clear_error(sweep, tmp_path):
    with pytest.raises(SystemExit, match="no run has an evaluation"):
        build_report([sweep], tmp_path / "out", metric="eval")


LEARNING_RATES = np.geomspace(1e-4, 1e-2, 20)


def learning_rate_study(root, seeds):
    """The learning_rate study's shape: 2 optimizers x 20 rates, `seeds` runs each."""
    for optimizer in ("rmsprop", "adam"):
        for index, lr in enumerate(LEARNING_RATES):
            for seed in range(seeds):
                episodes = [(step, float(index * 10 + seed + step // 10)) for step in range(5, 100, 5)]
                write_run(root / f"{optimizer}-{index}-{seed}", 0.0, seed, 50.0, episodes=episodes,
                          config_extra={"algo": {"optimizer": optimizer, "lr": float(lr)}})
    return [load_run(d) for d in find_run_dirs([root])]


def test_forty_settings_split_into_panels_whose_legends_stay_outside_the_data(tmp_path):
    from matplotlib.colors import to_hex

    from a3c.report.curves import curves_figure

    _, settings = group_settings(learning_rate_study(tmp_path / "runs", seeds=2))
    figure = curves_figure(settings, "CartPole-v1: algo.lr, algo.optimizer")
    figure.canvas.draw()
    panels = [axes for axes in figure.axes if axes.get_visible()]
    assert [axes.get_title() for axes in panels] == ["CartPole-v1, algo.optimizer=adam", "CartPole-v1, algo.optimizer=rmsprop"]
    for axes in panels:
        curves = [line for line in axes.get_lines() if line.get_linestyle() == "-"]
        assert len(curves) == 20 and len({to_hex(line.get_color()) for line in curves}) == 20  # no colour twice
        legend = axes.get_legend()
        assert not legend.get_window_extent().overlaps(axes.get_window_extent())
        labels = [text.get_text() for text in legend.get_texts()]
        assert labels[0] == f"algo.lr={LEARNING_RATES[0]}" and labels[-1] == "target (475)"  # lr ascending; no optimizer, no n
        target = [line for line in axes.get_lines() if line.get_linestyle() == "--"]
        assert [list(line.get_ydata()) for line in target] == [[475.0, 475.0]]
    assert figure.get_suptitle().endswith("\nmean ± 95% CI (Student's t) over 2 seeds")


def test_the_figure_says_when_there_is_no_band_and_the_png_includes_its_legend(tmp_path):
    from a3c.report.curves import band_statement

    runs = learning_rate_study(tmp_path / "runs", seeds=1)
    _, settings = group_settings(runs)
    assert band_statement(settings) == "one seed per setting: its curve alone, no band"
    three_settings_with_a_second_seed = [load_run(d) for d in find_run_dirs([tmp_path / "runs"])[:3]]
    _, settings = group_settings(runs + three_settings_with_a_second_seed)
    assert band_statement(settings) == "mean ± 95% CI (Student's t) over 1–2 seeds (n in the legend); no band where n = 1"
    build_report([tmp_path / "runs"], tmp_path / "out", scatter_key="algo.lr")
    height, width = matplotlib.image.imread(tmp_path / "out" / "curves.png").shape[:2]
    assert width > 2 * 9 * 120 and height < 2 * 4.5 * 120 * 1.2  # two panels side by side, legends beside them
    assert (tmp_path / "out" / "final_vs_lr.png").stat().st_size > 10_000


def test_runs_of_one_setting_with_different_budgets_are_rows_of_their_own(tmp_path):
    for seed, total_steps in enumerate((1000, 1000, 5000)):
        write_run(tmp_path / "runs" / f"r{seed}", 0.01, seed, 10.0, config_extra={"train": {"seed": seed, "total_steps": total_steps}})
    runs = [load_run(d) for d in find_run_dirs([tmp_path / "runs"])]
    assert [(s.label, len(s.runs)) for s in group_settings(runs)[1]] == [("train.total_steps=1000", 2), ("train.total_steps=5000", 1)]
    assert [(s.label, len(s.runs)) for s in group_settings(runs, pool_budgets=True)[1]] == [("all runs", 3)]


def test_two_runs_of_one_setting_and_seed_are_flagged(tmp_path, capsys):
    for name in ("first", "again"):
        write_run(tmp_path / "runs" / name, 0.01, 0, 10.0)
    main([str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert "train.seed=0 in 2 runs" in err and "again" in err and "first" in err, err


def test_a_resumed_run_and_its_origin_count_as_one_seed(tmp_path):
    common = ["workers=serial", "logger=off", "train.progress=false", "train.target_return=null", "train.seed=4"]
    origin, copy = tmp_path / "runs" / "origin", tmp_path / "runs" / "copy"
    assert run_cli(*common, "train.total_steps=1000", f"hydra.run.dir={origin}", cwd=tmp_path).returncode == 0
    result = run_cli(*common, "train.total_steps=2000", f"train.resume={origin}", f"hydra.run.dir={copy}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((copy / "summary.json").read_text())["resumed_from"] == str(origin.resolve())
    report = subprocess.run([sys.executable, "-m", "a3c.report.main", str(tmp_path / "runs"), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    row = next(line for line in report.stdout.splitlines() if line.startswith("| all runs"))
    assert row.split(" | ")[1] == "1", report.stdout  # one seed: the copy, which holds the origin's curve
    assert f"note: {origin} was resumed as {copy}" in report.stderr
    assert f"wrote {tmp_path / 'out' / 'table.md'}, {tmp_path / 'out' / 'curves.png'}" in report.stderr
    # Moved elsewhere together, the two are still one lineage: found through summary.json's
    # run_dir, or, in a run older than that field, through Hydra's record of where it ran.
    moved = tmp_path / "archive" / "runs"
    shutil.move(tmp_path / "runs", moved)
    assert one_seed_reported(moved, tmp_path / "out2")
    summary = json.loads((moved / "copy" / "summary.json").read_text())
    assert summary.pop("run_dir") == str(copy.resolve())
    (moved / "copy" / "summary.json").write_text(json.dumps(summary))
    assert one_seed_reported(moved, tmp_path / "out3")


def one_seed_reported(runs, out) -> bool:
    report = subprocess.run([sys.executable, "-m", "a3c.report.main", str(runs), "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    return "| all runs | 1 |" in report.stdout and f"note: {runs / 'origin'} was resumed as {runs / 'copy'}" in report.stderr


def test_a_misspelt_scatter_key_is_refused_before_anything_is_written(sweep, tmp_path):
    with pytest.raises(SystemExit, match=r"^error: --scatter algo.lrr: no such config key; did you mean algo.lr\?$"):
        build_report([sweep], tmp_path / "out", scatter_key="algo.lrr")
    assert not (tmp_path / "out").exists()


def test_the_scatter_keeps_runs_at_zero_on_a_symmetric_log_axis(sweep, tmp_path, monkeypatch):
    from a3c.report import curves

    _, settings = group_settings([load_run(d) for d in find_run_dirs([sweep])])
    figures = []
    monkeypatch.setattr(curves, "_save", lambda figure, path: figures.append(figure))
    curves.plot_final_vs(settings, "algo.entropy_coef", tmp_path / "scatter.png", "t")
    axes = figures[0].axes[0]
    assert axes.get_xscale() == "symlog"
    drawn = sum(len(collection.get_offsets()) for collection in axes.collections)
    assert drawn == len(FINALS) + 2  # every run, the eight at entropy 0 too


def test_a_directory_with_a_summary_but_no_config_is_left_out_with_a_warning(tmp_path, capsys):
    write_run(tmp_path / "runs" / "a", 0.0, 0, final=10.0)
    write_run(tmp_path / "runs" / "b", 0.0, 1, final=20.0)
    (tmp_path / "runs" / "b" / "config.yaml").unlink()
    table = build_report([tmp_path / "runs"], tmp_path / "out")[0]
    assert "| all runs | 1 | 10.0 |" in table  # run a alone
    assert "left out 1 directory with a summary.json but no config.yaml or metrics.jsonl" in capsys.readouterr().err


def test_the_median_steps_to_target_counts_a_run_that_never_reached_it_as_never(tmp_path):
    for seed, solved_at in enumerate((200, 300, None)):  # two of three: the median is the slower one
        write_run(tmp_path / "runs" / f"most{seed}", 0.01, seed, 10.0, solved_at=solved_at)
    for seed, solved_at in enumerate((50, None, None)):  # one lucky run of three: no median
        write_run(tmp_path / "runs" / f"few{seed}", 0.02, seed, 10.0, solved_at=solved_at)
    markdown = build_report([tmp_path / "runs"], tmp_path / "md")[0]
    assert "| algo.entropy_coef=0.01 | 3 | 10.0 [10.0, 10.0] | 10.0 | 2/3 | 300 | 30.0 |" in markdown
    assert "| algo.entropy_coef=0.02 | 3 | 10.0 [10.0, 10.0] | 10.0 | 1/3 | — | — |" in markdown


def test_a_value_that_rounds_to_zero_prints_without_a_minus_sign(tmp_path):
    for seed in range(2):
        write_run(tmp_path / "runs" / f"r{seed}", 0.01, seed, -0.001)
    assert "| all runs | 2 | 0.0 [0.0, 0.0] | 0.0 |" in build_report([tmp_path / "runs"], tmp_path / "md")[0]
    rows = list(csv.DictReader(io.StringIO(build_report([tmp_path / "runs"], tmp_path / "csv", fmt="csv")[0])))
    assert rows[0]["final_return_mean"] == "0.0"


def test_numbered_sweep_jobs_sort_as_numbers_and_before_a_named_folder_beside_them(tmp_path):
    for seed, name in enumerate(("10", "extra", "2")):
        write_run(tmp_path / "runs" / name, 0.01, seed, 10.0)
    assert [path.name for path in find_run_dirs([tmp_path / "runs"])] == ["2", "10", "extra"]


def test_an_older_run_without_a_key_added_since_is_one_setting_with_runs_at_its_default(tmp_path):
    write_run(tmp_path / "runs" / "old", 0.01, 0, 100.0)  # written before algo.gae_lambda existed
    for seed in (1, 2):
        write_run(tmp_path / "runs" / f"new{seed}", 0.01, seed, 250.0, config_extra={"algo": {"gae_lambda": 1.0}})
    write_run(tmp_path / "runs" / "gae", 0.01, 3, 10.0, config_extra={"algo": {"gae_lambda": 0.95}})
    _, settings = group_settings([load_run(d) for d in find_run_dirs([tmp_path / "runs"])])
    assert sorted((s.label, len(s.runs)) for s in settings) == [("algo.gae_lambda=0.95", 1), ("algo.gae_lambda=1.0", 3)]


def test_runs_that_stopped_early_count_with_what_they_reached_and_the_row_says_how_many(tmp_path, capsys):
    for seed, reason in enumerate(("step budget reached", "solved: mean return of the last 100 episodes >= 475.0",
                                   "interrupted", "time budget reached")):
        write_run(tmp_path / "runs" / f"r{seed}", 0.01, seed, 10.0 * seed)
        summary = json.loads((tmp_path / "runs" / f"r{seed}" / "summary.json").read_text())
        (tmp_path / "runs" / f"r{seed}" / "summary.json").write_text(json.dumps({**summary, "stop_reason": reason}))
    main([str(tmp_path / "runs")])
    out, err = capsys.readouterr()
    assert "| all runs | 4 (2 stopped early) | 15.0 [" in out
    assert "2 of 4 runs stopped early" in err and "r2 (interrupted, at step 100)" in err and "r3 (time budget" in err


def write_hydra_record(run_dir, cwd):
    (run_dir / ".hydra").mkdir()
    record = {"hydra": {"runtime": {"cwd": str(cwd), "output_dir": str(run_dir)}}}
    (run_dir / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump(record))


def test_an_older_resumed_run_finds_its_origin_after_a_move_from_hydras_record_of_where_it_ran(tmp_path, monkeypatch):
    # Before summary.json named them, a run held only train.resume as typed, relative to where
    # it was started; and a requeued job that resumed itself is still a run of its own.
    old = tmp_path / "old"
    write_run(old / "runs" / "origin", 0.01, 0, 10.0)
    write_run(old / "runs" / "copy", 0.01, 0, 20.0, config_extra={"train": {"seed": 0, "resume": "runs/origin"}})
    write_run(old / "runs" / "requeued", 0.01, 1, 30.0)
    summary = json.loads((old / "runs" / "requeued" / "summary.json").read_text())
    (old / "runs" / "requeued" / "summary.json").write_text(json.dumps({**summary, "resumed_from": str(old / "runs" / "requeued")}))
    for name in ("origin", "copy", "requeued"):
        write_hydra_record(old / "runs" / name, cwd=old)
    shutil.move(old / "runs", tmp_path / "new")
    monkeypatch.chdir(tmp_path)  # neither where it ran nor where it is
    runs = count_lineages_once([load_run(d) for d in find_run_dirs([tmp_path / "new"])])
    assert sorted(run.path.name for run in runs) == ["copy", "requeued"]


def test_a_run_with_damaged_files_is_left_out_with_a_warning_and_a_half_written_last_line_is_not_read(tmp_path, capsys):
    for seed in range(4):
        write_run(tmp_path / "runs" / f"r{seed}", 0.01, seed, 10.0)
    (tmp_path / "runs" / "r1" / "summary.json").write_text('{"env_id": "CartPole-v1", "glo')
    (tmp_path / "runs" / "r2" / "config.yaml").write_text("")
    with open(tmp_path / "runs" / "r3" / "metrics.jsonl", "a") as metrics:
        metrics.write('{"global_step": 120, "charts/episodic_ret')  # a run still writing, or killed mid-line
    for seed, damage in ((4, b"\x00" * 64), (5, b'3\n'), (6, b'{"global_step": 1}\n\xff\xfe\n')):
        write_run(tmp_path / "runs" / f"r{seed}", 0.01, seed, 10.0)
        (tmp_path / "runs" / f"r{seed}" / "metrics.jsonl").write_bytes(damage)  # zeros a crash left; not an object; not text
    write_run(tmp_path / "runs" / "r7", 0.01, 7, 10.0)
    (tmp_path / "runs" / "r7" / "evals.jsonl").write_text('{"mean_return": 1')  # a3c-eval writing it
    main([str(tmp_path / "runs")])
    out, err = capsys.readouterr()
    assert "| all runs | 3 | 10.0 [10.0, 10.0] |" in out  # r0, r3, r7
    runs = tmp_path / "runs"
    assert f"warning: left out {runs / 'r1' / 'summary.json'}: JSONDecodeError: " in err
    assert f"warning: left out {runs / 'r2' / 'config.yaml'}: holds no settings" in err
    assert f"warning: left out {runs / 'r4' / 'metrics.jsonl'}: line 1 is not JSON" in err
    assert f"warning: left out {runs / 'r5' / 'metrics.jsonl'}: line 1 is not a JSON object" in err
    assert f"warning: left out {runs / 'r6' / 'metrics.jsonl'}: not UTF-8 text" in err


def test_an_out_path_that_cannot_be_a_directory_is_one_error_line(sweep, tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(SystemExit, match=rf"^error: --out {tmp_path / 'a_file'}: cannot write there \(File exists\)$"):
        main([str(sweep), "--out", str(tmp_path / "a_file")])
