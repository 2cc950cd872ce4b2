"""Prediction: tiles of a scene through the network, blended without seams, vectorised to polygons.

`from massmap.predict import predict_scene, PredictSettings`. The module itself is callable, so after
`import massmap`, `massmap.predict(scene, output, ...)` is `predict_scene(scene, output, ...)`.
"""

import sys
import types
from typing import Any

import lazy_loader

# torch and ONNX Runtime load only when a prediction runs; the settings class alone is light.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "run": ["PredictionResult", "PredictionTimings", "check_model_fits", "predict_scene"],
        "settings": ["PredictSettings"],
    },
)


class _CallableModule(types.ModuleType):
    """`massmap.predict(...)` calls `predict_scene(...)`, while `massmap.predict.<name>` stays a module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Map one scene: see `massmap.predict.run.predict_scene`."""
        from massmap.predict.run import predict_scene

        return predict_scene(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
