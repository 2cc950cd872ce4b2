"""Write simulated stacks to disk: each pair as a simulated scene, the stack's labels and a catalog per stack."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

from massmap.atomic import atomic_folder
from massmap.batch.catalog import CATALOG_COLUMNS
from massmap.errors import BadInputError
from massmap.io.manifest import ManifestRow, write_manifest
from massmap.io.write import write_vector
from massmap.log import get_logger
from massmap.simulate.config import StackConfig
from massmap.simulate.dataset import MANIFEST_NAME, assign_splits, fixed_vector_timestamps, write_scene, write_text
from massmap.simulate.stack import StackLabeller, draw_frame, iter_stack

log = get_logger(__name__)

# A stack's catalog also gives each pair's labels (for scoring), a column `massmap predict-stack` does not read.
CATALOG_EXTRA_COLUMNS = ("labels",)
STACKS_COLUMNS = ("stack", "catalog", "labels", "split", "motion_free", "n_pairs")


def stack_name(index: int) -> str:
    """The folder and file stem of stack `index`."""
    return f"stack_{index:05d}"


def _csv_text(columns: tuple[str, ...], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_stack(config: StackConfig, seed: list[int], out_dir: Path, name: str, split: str,
                motion_free: bool | None = None, on_pair: Callable[[], None] | None = None
                ) -> tuple[dict, list[ManifestRow]]:
    """Simulate one stack pair by pair into `out_dir/name/`: NAME_YYYYMMDD_YYYYMMDD_* files of every pair (as
    `write_scene`), NAME_labels.gpkg (stack labels), NAME_meta.json and catalog.csv. Returns its row of
    stacks.csv and the manifest rows of its pairs."""
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    frame = draw_frame(config, seed, motion_free)
    labeller = StackLabeller(frame)
    catalog, rows = [], []
    for k, (i, j, scene, visible) in enumerate(iter_stack(frame)):
        labeller.add(scene, visible)
        pair = f"{name}_{frame.dates[i]:%Y%m%d}_{frame.dates[j]:%Y%m%d}"
        paths = write_scene(scene, folder, pair, quicklook=k == 0)
        catalog.append(dict(phase=paths["phase"].name, coherence=paths["coherence"].name, dem=paths["dem"].name,
                            los=paths["los"].name, orbit=frame.geometry.orbit, date1=frame.dates[i].isoformat(),
                            date2=frame.dates[j].isoformat(), labels=paths["labels"].name))
        rows.append(ManifestRow(phase=paths["phase"], labels=paths["labels"], split=split,
                                coherence=paths["coherence"], dem=paths["dem"], negative=scene.negative,
                                los=paths.get("los"), traps=paths.get("traps")))
        if on_pair is not None:
            on_pair()
    labels = labeller.labels()
    with fixed_vector_timestamps():
        write_vector(labels, folder / f"{name}_labels.gpkg", layer="labels")
    meta = dict(frame.meta, movements=frame.movements, n_pairs=len(frame.pairs),
                n_stack_labels=int(labels["coherent"].sum()))
    write_text(folder / f"{name}_meta.json", json.dumps(meta, indent=1, sort_keys=True, default=float))
    columns = tuple(c for c in CATALOG_COLUMNS if c in catalog[0]) + CATALOG_EXTRA_COLUMNS
    write_text(folder / "catalog.csv", _csv_text(columns, catalog))
    log.debug("%s: %d pairs, %d stack labels", name, len(frame.pairs), meta["n_stack_labels"])
    stack_row = dict(stack=name, catalog=f"{name}/catalog.csv", labels=f"{name}/{name}_labels.gpkg", split=split,
                     motion_free=int(frame.motion_free), n_pairs=len(frame.pairs))
    return stack_row, rows


def simulate_stacks(
    out_dir: str | os.PathLike,
    n_stacks: int,
    seed: int,
    config: StackConfig | None = None,
    split: str = "auto",
    motion_free: bool | None = None,
    on_pair: Callable[[], None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Simulate `n_stacks` stacks into `out_dir` (one folder each), with `manifest.csv` over every pair (for
    training and evaluation of single pairs) and `stacks.csv` over the stacks; returns the stacks.csv path.

    Stack k draws from np.random.default_rng([seed, k, ...]), so it depends only on (config, seed, k); all
    pairs of a stack share its split. Written as a whole or not at all, like `simulate_dataset`.
    """
    config = config or StackConfig()
    if n_stacks < 1:
        raise BadInputError(f"--n-scenes {n_stacks} must be at least 1")
    splits = assign_splits(n_stacks, seed, split)
    with atomic_folder(out_dir, overwrite) as out:
        stacks, pairs = [], []
        for k in range(n_stacks):
            stack_row, rows = write_stack(config, [seed, k], out, stack_name(k), splits[k], motion_free, on_pair)
            stacks.append(stack_row)
            pairs += rows
        write_text(out / "config.json", config.to_json())
        write_manifest(pairs, out / MANIFEST_NAME)
        write_text(out / "stacks.csv", _csv_text(STACKS_COLUMNS, stacks))
    return Path(out_dir) / "stacks.csv"
