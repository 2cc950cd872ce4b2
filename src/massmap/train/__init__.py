"""Training: settings, the Lightning module and data module, losses, the run itself and its log."""

from massmap.train.config import TrainConfig
from massmap.train.run import TrainResult, train

__all__ = ["TrainConfig", "TrainResult", "train"]
