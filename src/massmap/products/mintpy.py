"""MintPy's interferogram stack (`ifgramStack.h5`): every date pair is a scene, read in place with h5py.

Datasets: `/wrapPhase` (when present) or `/unwrapPhase` (radians), `/coherence` (0..1), all (pairs, rows, cols)
float32; `/date` (pairs, 2) of b"YYYYMMDD". Root attributes: `FILE_TYPE` = ifgramStack, `LENGTH`, `WIDTH`,
`X_FIRST`/`Y_FIRST` (upper-left corner of the upper-left pixel), `X_STEP`/`Y_STEP`, `X_UNIT`, `EPSG` or
`UTM_ZONE` (e.g. "11N"), `ORBIT_DIRECTION`. A stack in radar coordinates has no X_FIRST: it is read in pixels.
One pair is addressed as `ifgramStack.h5::YYYYMMDD_YYYYMMDD`.
"""

from __future__ import annotations

from pathlib import Path

from massmap.errors import BadInputError
from massmap.products.base import ORBIT_WORDS, PAIR_SEPARATOR, Layer, ProductScene, date_or_none

FAMILY = "MintPy"
SUFFIXES = (".h5", ".hdf5", ".he5")
WRAPPED = "wrapPhase"
UNWRAPPED = "unwrapPhase"
COHERENCE = "coherence"
DATES = "date"


def split_address(text: str) -> tuple[Path, str | None]:
    """(stack file, pair) of `stack.h5::YYYYMMDD_YYYYMMDD`; the pair is None for the whole stack."""
    if PAIR_SEPARATOR in text:
        path, pair = text.rsplit(PAIR_SEPARATOR, 1)
        return Path(path), pair
    return Path(text), None


def _pairs(path: Path) -> tuple[list[str], str, bool, str | None]:
    """The stack's date pairs, its phase dataset, whether that is unwrapped, and its orbit direction."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            if WRAPPED in f:
                phase, unwrapped = WRAPPED, False
            elif UNWRAPPED in f:
                phase, unwrapped = UNWRAPPED, True
            else:
                raise BadInputError(f"{path}: an HDF5 file without /{WRAPPED} or /{UNWRAPPED}; not a MintPy "
                                    "ifgramStack.h5")
            if DATES not in f:
                raise BadInputError(f"{path}: MintPy stack without /{DATES}; cannot name its pairs")
            dates = [[d.decode() if isinstance(d, bytes) else str(d) for d in row] for row in f[DATES][()]]
            if f[phase].ndim != 3 or f[phase].shape[0] != len(dates):
                raise BadInputError(f"{path}: /{phase} has shape {f[phase].shape}, expected ({len(dates)}, rows, cols)")
            orbit = str(f.attrs.get("ORBIT_DIRECTION", "")).strip().lower()
    except OSError as exc:
        raise BadInputError(f"{path}: not a readable HDF5 file ({exc})") from None
    return [f"{a}_{b}" for a, b in dates], phase, unwrapped, ORBIT_WORDS.get(orbit)


def _has_coherence(path: Path) -> bool:
    import h5py

    with h5py.File(path, "r") as f:
        return COHERENCE in f


def is_stack(path: Path) -> bool:
    """True for an HDF5 file holding a MintPy interferogram phase dataset."""
    if path.suffix.lower() not in SUFFIXES or not path.is_file():
        return False
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return WRAPPED in f or UNWRAPPED in f
    except OSError:
        return False


def scenes_of_file(path: Path) -> list[ProductScene] | None:
    """Every pair of a MintPy stack (or the one pair an address names), or None for other files."""
    stack, wanted = split_address(str(path))
    if stack.suffix.lower() not in SUFFIXES:
        return None
    if not stack.exists():
        raise BadInputError(f"{stack}: file not found")
    pairs, dataset, unwrapped, orbit = _pairs(stack)
    coherence = _has_coherence(stack)
    if wanted is not None and wanted not in pairs:
        shown = ", ".join(pairs[:4]) + (", ..." if len(pairs) > 4 else "")
        raise BadInputError(f"{stack}: no pair {wanted} in the stack ({len(pairs)} pairs: {shown})")
    scenes = []
    for index, pair in enumerate(pairs):
        if wanted is not None and pair != wanted:
            continue
        d1, d2 = pair.split("_")
        scenes.append(ProductScene(
            address=f"{stack}{PAIR_SEPARATOR}{pair}", family=FAMILY, scene_id=f"{stack.stem}_{pair}",
            phase=Layer(str(stack), dataset=dataset, index=index),
            coherence=Layer(str(stack), dataset=COHERENCE, index=index) if coherence else None,
            unwrapped=unwrapped, date1=date_or_none(d1), date2=date_or_none(d2), orbit=orbit,
        ))
    return scenes


def scenes_in_folder(files: list[Path]) -> tuple[list[ProductScene], list[Path]]:
    """Every pair of the MintPy stacks among the files of one folder, and the files left over."""
    scenes, rest = [], []
    for path in files:
        if is_stack(path):
            scenes.extend(scenes_of_file(path) or [])
        else:
            rest.append(path)
    return scenes, rest
