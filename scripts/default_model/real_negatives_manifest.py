"""Write the train half (split by volcano) of the real motion-free LiCSAR patches as phase GeoTIFFs and a
manifest of hard negatives (`negative = real`), to append to the training manifest.

Usage: python scripts/default_model/real_negatives_manifest.py INDEX.csv OUT_DIR
(INDEX.csv is ../shared/data/licsar-volcano-negatives/index.csv; the test half stays for
benchmarks/real_false_alarms.py). No coherence file: the phase-consistency proxy stands in, as at prediction.
"""

from __future__ import annotations

import sys
from pathlib import Path

from massmap.data.real_negatives import phase_from_grey, read_grey_patch, read_index, volcano_split, write_phase_geotiff
from massmap.io.manifest import ManifestRow, write_manifest


def main() -> None:
    index, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    patches = read_index(index)
    for i, patch in enumerate(patches):
        if volcano_split(patch.volcano) != "train":
            continue
        phase = write_phase_geotiff(phase_from_grey(read_grey_patch(patch.path)), out / f"real_{i:03d}.tif")
        rows.append(ManifestRow(phase=phase, labels=None, split="train", negative="real"))
    write_manifest(rows, out / "real_negatives.csv")
    volcanoes = {p.volcano for p in patches if volcano_split(p.volcano) == "train"}
    print(f"{len(rows)} real negative patches of {len(volcanoes)} training volcanoes -> {out / 'real_negatives.csv'}")


if __name__ == "__main__":
    main()
