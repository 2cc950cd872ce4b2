"""Segmentation models: the factory over segmentation-models-pytorch, the input channels, the model card and storage."""

from massmap.models.card import ModelCard
from massmap.models.factory import create_network
from massmap.models.store import LoadedModel, load_model, save_model

__all__ = ["ModelCard", "create_network", "LoadedModel", "load_model", "save_model"]
