"""``podfit compare``: one workload under the per-container (pre-1.36) model and the pod-level
(KEP-5526) models, side by side. Pure: scenario in, figures out (rendering lives in
:mod:`podfit.report.compare_table`)."""

from podfit.compare.metrics import PodFootprint, pod_footprint
from podfit.compare.run import Comparison, FillResult, ModelRun, compare, run_model
from podfit.compare.variants import Model, model_config, models_for, per_container_pod, pod_level_pod

__all__ = [
    "Comparison",
    "FillResult",
    "Model",
    "ModelRun",
    "PodFootprint",
    "compare",
    "model_config",
    "models_for",
    "per_container_pod",
    "pod_footprint",
    "pod_level_pod",
    "run_model",
]
