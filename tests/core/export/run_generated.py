"""Run generated model scripts where nnstudio cannot be imported; report what they build.

Usage: ``python -I run_generated.py JOBS.json``. Each job names a generated script, a
``.weights.h5`` file and an ``.npz`` of inputs; the runner blocks every ``nnstudio`` import,
executes the script, builds the model, loads the weights, predicts, and writes the layer
names, parameter count and predictions next to the inputs.
"""

import importlib.abc
import json
import runpy
import sys

import numpy as np


class BlockNnstudio(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname == "nnstudio" or fullname.startswith("nnstudio."):
            raise ImportError(f"nnstudio is blocked in this test: {fullname}")
        return None


sys.meta_path.insert(0, BlockNnstudio())
sys.path = [p for p in sys.path if p and "work/main" not in p or "site-packages" in p]

for job in json.load(open(sys.argv[1])):
    namespace = runpy.run_path(job["script"], run_name="__main__")
    model = namespace["build_model"]()
    namespace["compile_model"](model)
    model.load_weights(job["weights"])
    inputs = np.load(job["inputs"])
    xs = [inputs[k] for k in sorted(inputs.files)]
    outputs = model(xs[0] if len(xs) == 1 else xs, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    np.savez(job["outputs"], *[np.asarray(o) for o in outputs])
    with open(job["report"], "w") as handle:
        json.dump(
            {
                "layers": [layer.name for layer in model.layers],
                "params": int(model.count_params()),
                "nnstudio_loaded": any(m.startswith("nnstudio") for m in sys.modules),
            },
            handle,
        )
