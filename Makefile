# The two commands a newcomer needs: `make train` and `make test`. Both install first.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: install train test test-fast bench bench-startup bench-atari clean studies study-benchmark-sb3

install: $(STAMP)

# Re-installs only when the pins or the package metadata change.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

train: install
	$(BIN)/a3c-train $(ARGS)
	@echo "to type a3c-train, a3c-eval and a3c-report as README does: source $(VENV)/bin/activate"

# One pytest process per core (pytest-xdist); one that runs out of tests takes some from another
# (worksteal), so a long learning test does not leave a core idle. Times: docs/testing.md.
test: install
	$(BIN)/python -m pytest -q -n auto --dist worksteal $(ARGS)

# The unit tier: no command line, subprocess or training run (markers set in tests/conftest.py).
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow" $(ARGS)

# Every figure of the speed targets in one run on one machine: speed against the ceiling and
# against SB3 A2C, the env's share of a worker, what sharing one model costs two Hogwild workers,
# start-up, command to exit and sweep overhead, the Atari backends; writes benchmarks/results.md
# (~15 min), env_share.md (~1 min), hogwild_sharing.md (~4.5 min: 6 rounds of 10 s), startup_results.md (~7 min)
# and atari_results.md (~12 min).
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) requirements-bench.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -r requirements-bench.lock
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/env_share.py
	$(BIN)/python benchmarks/hogwild_sharing.py 10 6
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/atari.py

# Only the start-up breakdown and the 10-job sweep; writes benchmarks/startup_results.md.
bench-startup: $(STAMP)
	$(BIN)/python benchmarks/startup.py

# Only the Atari part: frames per second of one Atari worker with each env backend (gymnasium,
# envpool) against the emulator alone; writes benchmarks/atari_results.md (~12 min).
bench-atari: $(STAMP)
	$(BIN)/python benchmarks/atari.py

# The benchmark's outside reference, measured here: SB3 A2C with the RL Zoo's own settings,
# 5 seeds each on LunarLander, Acrobot and MountainCar (~20 min, one run at a time); writes
# experiments/benchmark/sb3_runs.jsonl and sb3_reference.md.
SB3_RUNS := experiments/benchmark/sb3_runs.jsonl
study-benchmark-sb3: $(BENCH_STAMP)
	rm -f $(SB3_RUNS)
	for env in lunar_lander acrobot mountain_car; do for seed in 0 1 2 3 4; do \
	    $(BIN)/python experiments/benchmark/sb3_reference.py $$env --seed $$seed >> $(SB3_RUNS) || exit 1; done; done
	$(BIN)/python experiments/benchmark/sb3_reference.py --table $(SB3_RUNS) > experiments/benchmark/sb3_reference.md

# One study, from nothing to experiments/<study>/table.md and its plots. See README.
STUDIES := lineage entropy n_steps workers learning_rate memory minatar benchmark

# Studies in EVALUATED also play each run's final policy (a3c-eval) for the table's eval column.
EVALUATED := benchmark
EVAL_EPISODES := 20

study-%: install
	rm -rf multirun/study-$*
	$(BIN)/a3c-train -m experiment=$* logger=off hydra.sweep.dir=multirun/study-$* $(ARGS)
	$(if $(filter $*,$(EVALUATED)),for run in multirun/study-$*/*/; do $(BIN)/a3c-eval $$run eval.episodes=$(EVAL_EPISODES) || exit 1; done)
	$(BIN)/a3c-report multirun/study-$* --out experiments/$*

# Data efficiency against the worker count: the sweep, the report, then steps to a score
# (experiments/workers/data_efficiency.py). About 70 minutes on 2 cores.
study-workers: install
	rm -rf multirun/study-workers
	$(BIN)/a3c-train -m experiment=workers logger=off hydra.sweep.dir=multirun/study-workers $(ARGS)
	$(BIN)/a3c-report multirun/study-workers --out experiments/workers
	$(BIN)/python experiments/workers/data_efficiency.py multirun/study-workers

# The paper's protocol: one random search of 20 learning rates per optimizer (an Optuna study
# each, conf/experiment/learning_rate.yaml), then final return against the rate.
study-learning_rate: install
	rm -rf multirun/study-learning_rate
	for optimizer in rmsprop adam; do \
	  $(BIN)/a3c-train -m experiment=learning_rate algo.optimizer=$$optimizer logger=off \
	    hydra.sweep.dir=multirun/study-learning_rate/$$optimizer $(ARGS) || exit 1; \
	done
	$(BIN)/a3c-report multirun/study-learning_rate --out experiments/learning_rate --scatter algo.lr

studies: $(addprefix study-,$(STUDIES))

clean:
	rm -rf $(VENV) outputs multirun
