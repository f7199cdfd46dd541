"""Real processes and real signals: a run stops cleanly, and a dead worker never hangs it."""
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ctrl_c_as_from_a_terminal

RUN_FOR_LONG = ["workers=hogwild", "workers.count=2", "logger=off", "train.progress=false",
                "train.total_steps=100000000", "train.target_return=null"]


def start(run_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "a3c", *RUN_FOR_LONG, f"hydra.run.dir={run_dir}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_training(process: subprocess.Popen, run_dir: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    metrics = run_dir / "metrics.jsonl"
    while time.monotonic() < deadline and process.poll() is None:
        if metrics.exists() and metrics.stat().st_size > 0 and len(workers_of(process.pid)) == 2:
            return
        time.sleep(0.1)
    raise AssertionError(f"the run did not start training in {timeout} s")


def children_of(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children += [int(c) for c in (task / "children").read_text().split()]
    return children


def workers_of(pid: int) -> list[int]:
    """Hogwild workers are forked by the run's fork server (a3c/run/processes.py), a child of the run."""
    servers = [c for c in children_of(pid) if b"forkserver" in Path(f"/proc/{c}/cmdline").read_bytes()]
    return [worker for server in servers for worker in children_of(server)]


def finish_within(process: subprocess.Popen, seconds: float):
    started = time.monotonic()
    stdout, stderr = process.communicate(timeout=seconds)
    return time.monotonic() - started, stdout, stderr


def test_sigterm_stops_workers_and_keeps_the_results(tmp_path):
    run_dir = tmp_path / "run"
    process = start(run_dir)
    wait_until_training(process, run_dir)
    workers = workers_of(process.pid)
    process.send_signal(signal.SIGTERM)
    _, _, stderr = finish_within(process, 20)
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["stop_reason"] == "interrupted" and summary["global_step"] > 0
    assert (run_dir / "checkpoint.pt").exists()
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def descendants_of(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        for child in children_of(queue.pop()):
            found.append(child)
            queue.append(child)
    return found


def still_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is left


def test_a_main_process_killed_outright_leaves_none_of_its_processes_behind(tmp_path):
    # SIGKILL, as an OOM killer or a scheduler's kill -9: the run cannot clean up, so its fork
    # server, workers and evaluator must notice by themselves.
    run_dir = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "a3c", *RUN_FOR_LONG, "train.eval_every_steps=2000",
                                f"hydra.run.dir={run_dir}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(workers_of(process.pid)) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    if len(workers_of(process.pid)) != 3:
        process.kill()
        raise AssertionError("two workers and the evaluator did not start")
    kill_and_expect_no_descendant_left(process)  # the fork server and CPython's resource tracker too


def kill_and_expect_no_descendant_left(process: subprocess.Popen, ready: bool = True) -> None:
    """SIGKILL the main process; every process below it must be gone within 10 s."""
    family = descendants_of(process.pid)
    try:
        assert ready, "the processes to watch did not start"
        process.kill()
        process.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(still_running(pid) for pid in family):
            time.sleep(0.2)
        left = [pid for pid in family if still_running(pid)]
        assert not left, f"still running 10 s after the main process died: {left}"
    finally:  # a failure here must not leave them training on for the rest of the suite
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_search_killed_outright_leaves_none_of_its_trials_training(tmp_path):
    # The search presets run trials in joblib's worker processes, children of the sweep's main
    # process, which outlive it unless each job watches it.
    process = subprocess.Popen([sys.executable, "-m", "a3c", "-m", "experiment=search", "hydra.sweeper.n_trials=2",
                                "hydra.sweeper.n_jobs=2", "train.total_steps=100000000", "train.max_minutes=5",
                                "logger=off", f"hydra.sweep.dir={tmp_path / 'search'}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    trials = lambda: list((tmp_path / "search").glob("*/metrics.jsonl"))  # noqa: E731
    while len(trials()) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    kill_and_expect_no_descendant_left(process, ready=len(trials()) == 2)


def test_a_killed_fork_server_stops_the_run_saying_so_not_blaming_a_worker(tmp_path):
    run_dir = tmp_path / "run"
    process = start(run_dir)
    wait_until_training(process, run_dir)
    workers = workers_of(process.pid)
    server = [c for c in children_of(process.pid) if b"forkserver" in Path(f"/proc/{c}/cmdline").read_bytes()][0]
    os.kill(server, signal.SIGKILL)
    seconds, _, stderr = finish_within(process, 30)
    assert process.returncode == 1 and seconds < 10
    assert "error: the workers' fork server died (killed from outside the run?)" in stderr, stderr[-2000:]
    assert not [pid for pid in workers if still_running(pid)]


def misbehaving_cartpole(env_id: str, after_steps: int, misbehaviour: str) -> str:
    """A module that registers CartPole as env_id; the env seeded 0 (worker 0's first) misbehaves
    after so many of its steps, the others play on."""
    return f"""
import time
import gymnasium as gym
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

class MisbehavingCartPole(CartPoleEnv):
    steps, first_seed = 0, None

    def reset(self, *, seed=None, options=None):
        self.first_seed = seed if self.first_seed is None else self.first_seed
        return super().reset(seed=seed, options=options)

    def step(self, action):
        self.steps += 1
        if self.first_seed == 0 and self.steps > {after_steps}:
            {misbehaviour}
        return super().step(action)

gym.register("{env_id}", entry_point=MisbehavingCartPole, max_episode_steps=500)
"""


CRASHING_ENV = misbehaving_cartpole("Crash-v0", 100, "raise RuntimeError(\"boom from the env's step\")") + """
from a3c.__main__ import main
main()
"""


def test_an_in_process_worker_that_raises_ends_the_run_with_one_error_line_and_a_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    result = subprocess.run([sys.executable, "-c", CRASHING_ENV, "env=gym", "env.id=Crash-v0", "workers=serial",
                             "logger=off", "train.progress=false", f"hydra.run.dir={run_dir}"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (f"error: the run failed: RuntimeError: boom from the env's step; partial results and a "
                         f"checkpoint are in {run_dir}")
    assert (run_dir / "checkpoint.pt").exists() and "HYDRA_FULL_ERROR" not in result.stderr


def test_a_killed_worker_stops_the_run_within_seconds_naming_it(tmp_path):
    run_dir = tmp_path / "run"
    process = start(run_dir)
    wait_until_training(process, run_dir)
    victim = workers_of(process.pid)[1]
    os.kill(victim, signal.SIGKILL)
    seconds, _, stderr = finish_within(process, 30)
    assert process.returncode == 1
    assert seconds < 10
    assert re.search(r"error: worker-[01] died with exit code -9", stderr), stderr[-2000:]
    assert re.fullmatch(r"worker-[01] died with exit code -9", json.loads((run_dir / "summary.json").read_text())["stop_reason"])


HANGING_ENV = misbehaving_cartpole("Hang-v0", 500, "time.sleep(3600)  # as an env waiting on a lock or a socket")


def test_a_worker_stuck_in_its_env_says_where_and_the_run_stops_after_train_stall_minutes(tmp_path):
    # gymnasium's "module:Id" form: each worker imports the module, which registers the env.
    (tmp_path / "hanging_env.py").write_text(HANGING_ENV)
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "a3c", *RUN_FOR_LONG, "env=gym", "env.id=hanging_env:Hang-v0", "train.stall_minutes=0.1",
         f"hydra.run.dir={run_dir}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    wait_until_training(process, run_dir)
    workers = workers_of(process.pid)
    seconds, _, stderr = finish_within(process, 90)
    assert process.returncode == 1, stderr[-2000:]
    assert re.search(r'File ".*hanging_env.py", line \d+ in step', stderr)  # the stuck worker's stack
    assert re.search(r"error: worker-0 made no update for \d+ s \(train.stall_minutes=0.1\) and was killed", stderr)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert "made no update" in summary["stop_reason"] and summary["global_step"] > 0
    assert (run_dir / "checkpoint.pt").exists()
    assert not [pid for pid in workers if still_running(pid)]


def test_a_run_directory_that_stops_taking_writes_ends_the_run_with_one_line_keeping_the_last_checkpoint(tmp_path, monkeypatch):
    import errno

    import pytest
    import torch
    from conftest import make_config

    from a3c.run import checkpoint, train

    saves = []

    def disk_full_after_the_first_checkpoint(path, payload):
        if saves:
            raise OSError(errno.ENOSPC, "No space left on device")
        saves.append(payload["global_step"])
        original_save(path, payload)

    original_save = checkpoint.save_atomically
    monkeypatch.setattr(checkpoint, "save_atomically", disk_full_after_the_first_checkpoint)
    cfg = make_config("workers=serial", "logger=off", "train.progress=false", "train.total_steps=20000",
                      "train.checkpoint_every_steps=2000", "train.stop_at_target=false")
    with pytest.raises(train.RunFailed, match="No space left on device"):
        train.run(cfg, tmp_path)
    kept = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert kept["global_step"] == saves[0] < 4000  # the first checkpoint, whole; the run stopped at the second
    assert not (tmp_path / "checkpoint.pt.tmp").exists()
    assert (tmp_path / "metrics.jsonl").read_text() and json.loads((tmp_path / "summary.json").read_text())["global_step"] < 4000 + 1000


def processes_in_session(session: int) -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[3]) == session:  # field 6, the session id
            found.append(stat.parent.name)
    return found


def test_the_fork_server_starts_with_ctrl_c_blocked_and_the_parent_gets_it_back():
    # In a fresh process, as in `a3c-train`: the resource tracker that the fork server starts
    # first unblocks SIGINT on its way out (CPython's), and a Ctrl-C then killed the server in
    # the middle of its imports, with a traceback on the terminal.
    code = ("import signal; from multiprocessing import forkserver; from a3c.run.processes import start_worker_server; "
            "start_worker_server(); pid = forkserver._forkserver._forkserver_pid; "
            "print(next(l for l in open(f'/proc/{pid}/status') if l.startswith('SigBlk:')).split()[1]); "
            "print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))")
    server_mask, parent_blocks = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                timeout=60, check=True).stdout.split()
    assert int(server_mask, 16) & 1 << (signal.SIGINT - 1), "the fork server can be killed by Ctrl-C while it imports"
    assert parent_blocks == "False"


def test_ctrl_c_during_start_up_exits_130_and_leaves_no_process_behind(tmp_path):
    # The default run (Hogwild, W&B offline), interrupted as a terminal does it (SIGINT to the
    # whole process group) once its fork server exists, well before the first training step.
    process = subprocess.Popen([sys.executable, "-m", "a3c", "train.progress=false", f"hydra.run.dir={tmp_path / 'run'}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=ctrl_c_as_from_a_terminal)
    deadline = time.monotonic() + 60
    while not children_of(process.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr[-2000:]
    assert stderr.strip().splitlines() == ["interrupted during start-up, before any training step"], stderr[-2000:]
    deadline = time.monotonic() + 5
    while processes_in_session(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_in_session(process.pid) == []


def test_an_evaluator_killed_while_it_waits_for_its_next_evaluation_stops_the_run_naming_it(tmp_path):
    # Killed in a multiprocessing Event.wait, it used to leave the Event waiting on it for good:
    # the run hung, silent, until a second Ctrl-C.
    run_dir = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "a3c", *RUN_FOR_LONG, "train.eval_every_steps=50000000",
                                f"hydra.run.dir={run_dir}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(workers_of(process.pid)) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        time.sleep(2.0)  # the evaluator is up and idle, its next evaluation 50M steps away
        evaluator = workers_of(process.pid)[-1]  # the fork server's last child: started after the workers
        os.kill(evaluator, signal.SIGKILL)
        seconds, _, stderr = finish_within(process, 30)
    finally:
        process.kill()
    assert process.returncode == 1 and seconds < 10, stderr[-2000:]
    assert "error: evaluator died with exit code -9" in stderr, stderr[-2000:]
