"""Sweeps through hydra-submitit-launcher: the local executor for real, the SLURM preset composed."""
import json

from conftest import CONF_DIR, run_cli
from hydra import compose, initialize_config_dir


def test_a_two_job_sweep_through_submitit_local_completes(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli("-m", "hydra/launcher=submitit_local", "train.seed=0,1", "workers=serial", "logger=off",
                     "train.total_steps=2000", "train.progress=false", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summaries = [json.loads((sweep / job / "summary.json").read_text()) for job in ("0", "1")]
    assert [s["seed"] for s in summaries] == [0, 1] and all(s["global_step"] == 2000 for s in summaries)


def test_the_slurm_preset_asks_one_cpu_per_worker_and_requeues():
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("train", overrides=["hydra/launcher=slurm", "workers.count=4"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert launcher.cpus_per_task == 4 and launcher.timeout_min == 240 and launcher.max_num_timeout == 20
