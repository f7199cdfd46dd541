"""Read an offline W&B run back from its .wandb file, with W&B's own record schema.

The file is a LevelDB-style log (32 KiB blocks of checksummed chunks, after a 7-byte W&B
header) of `wandb_internal_pb2.Record` messages; this wandb release ships no Python reader.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

from wandb.proto import wandb_internal_pb2 as pb

BLOCK_SIZE = 32 * 1024
CHUNK_HEADER = struct.Struct("<IHB")  # crc32, length, type
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def read_records(path: Path) -> list:
    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a W&B data file"
    pos, payloads, pending = 7, [], b""
    while pos + CHUNK_HEADER.size <= len(data):
        left_in_block = BLOCK_SIZE - pos % BLOCK_SIZE
        if left_in_block < CHUNK_HEADER.size:
            pos += left_in_block  # block trailer padding
            continue
        _, length, kind = CHUNK_HEADER.unpack_from(data, pos)
        if kind == 0:  # zero padding up to the next block
            pos += left_in_block
            continue
        chunk = data[pos + CHUNK_HEADER.size : pos + CHUNK_HEADER.size + length]
        pos += CHUNK_HEADER.size + length
        if kind == FULL:
            payloads.append(chunk)
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            payloads.append(pending + chunk)
    return [pb.Record.FromString(payload) for payload in payloads]


@dataclass
class OfflineRun:
    run_id: str = ""
    name: str = ""
    group: str = ""
    job_type: str = ""
    tags: list = field(default_factory=list)
    config: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    step_metrics: dict = field(default_factory=dict)  # metric name or glob -> its x axis
    summary: dict = field(default_factory=dict)
    artifacts: list = field(default_factory=list)  # (name, type, metadata, file paths, aliases)


def _item_key(item) -> str:
    return item.key or "/".join(item.nested_key)


def read_offline_run(run_dir: Path) -> OfflineRun:
    """run_dir: a Hydra run directory holding one wandb/offline-run-*/run-*.wandb."""
    (path,) = run_dir.glob("wandb/offline-run-*/run-*.wandb")
    return read_offline_run_file(path)


def read_offline_run_file(path: Path) -> OfflineRun:
    run = OfflineRun()
    for record in read_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            r = record.run
            run.run_id, run.name, run.group, run.job_type, run.tags = r.run_id, r.display_name, r.run_group, r.job_type, list(r.tags)
            run.config.update({_item_key(i): json.loads(i.value_json) for i in r.config.update})
        elif kind == "config":
            run.config.update({_item_key(i): json.loads(i.value_json) for i in record.config.update})
        elif kind == "history":
            run.history.append({_item_key(i): json.loads(i.value_json) for i in record.history.item if i.value_json})
        elif kind == "metric":
            run.step_metrics[record.metric.name or record.metric.glob_name] = record.metric.step_metric
        elif kind == "artifact":
            a = record.artifact
            run.artifacts.append((a.name, a.type, json.loads(a.metadata or "{}"),
                                  [entry.path for entry in a.manifest.contents], list(a.aliases)))
        elif kind == "summary":
            run.summary.update({_item_key(i): json.loads(i.value_json) for i in record.summary.update})
    return run
