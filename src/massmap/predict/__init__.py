"""Prediction: tiles of a scene through the network, blended without seams, vectorised to polygons.

`from massmap.predict import predict_scene`. The module itself is callable, so after `import massmap`,
`massmap.predict(scene, output, ...)` is `predict_scene(scene, output, ...)`.
"""

import sys
import types

from massmap.predict.run import PredictionResult, PredictionTimings, check_model_fits, predict_scene

__all__ = ["predict_scene", "PredictionResult", "PredictionTimings", "check_model_fits"]


class _CallableModule(types.ModuleType):
    """`massmap.predict(...)` calls `predict_scene(...)`, while `massmap.predict.<name>` stays a module."""

    def __call__(self, *args, **kwargs) -> PredictionResult:
        return predict_scene(*args, **kwargs)

    __call__.__doc__ = predict_scene.__doc__


sys.modules[__name__].__class__ = _CallableModule
