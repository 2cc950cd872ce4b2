__version__ = "0.1.0"


def __getattr__(name: str):
    """Import heavy subpackages (torch) only when first used: `massmap.predict(...)` maps a scene."""
    if name == "predict":
        import importlib

        return importlib.import_module("massmap.predict")
    raise AttributeError(f"module 'massmap' has no attribute {name!r}")
