"""How a stack is mapped by default: the methods, the persistence and PGS levels, the coherence that judges a pixel.

Light on purpose: `predict-stack --help` shows these defaults without importing the mapping's libraries.
"""

from __future__ import annotations

METHODS = ("model", "pgs")
# Chosen on simulated tuning stacks, not the held-out ones (benchmarks/stack_heldout.py: best object F1, 0.80).
DEFAULT_MIN_PERSISTENCE = 0.4
# A pixel detected in a single pair is never persistent, whatever the share.
MIN_DETECTED_PAIRS = 2
# A pair judges a pixel where its coherence (file or proxy) reaches this, or where it detects motion there.
MIN_COHERENCE = 0.25
# PGS polygons where the stacked gradient rate exceeds the frame's median by this many robust sigmas; a pair's
# own gradient counts as a detection at the same level of its own distribution.
DEFAULT_PGS_SIGMAS = 6.0
