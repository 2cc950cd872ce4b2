"""Many interferograms of one frame: per-pixel persistence of detections, and phase-gradient stacking.

`from massmap.stack import predict_stack`.
"""

from massmap.stack.run import StackResult, predict_stack

__all__ = ["StackResult", "predict_stack"]
