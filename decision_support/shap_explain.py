"""SHAP explanations of a trained pipeline: ``ShapExplainer``, ``Explanation``, global importance.

What is explained
-----------------
A trained pipeline is ``preprocessing steps -> model`` and may be wrapped in a calibrator
(``CalibratedClassifierCV``). Calibration is a monotone map applied after the model, so we explain the
model itself, in the space it computes in, and say which space that is:

- logistic regression and LDA: ``shap.LinearExplainer`` on the scaled features; the output is the model's
  decision function per class (log-odds);
- random forest: ``shap.TreeExplainer``; the output is the forest's class probability (before calibration);
- histogram gradient boosting: ``shap.TreeExplainer``; the output is the raw score per class (log-odds).

The background is a sample of the training ``reference`` table. SHAP values are computed on the
transformed (scaled) columns and mapped back to the input feature names one to one. When a calibrator
holds several fitted copies of the model (one per cross-validation fold), the SHAP values, base values and
outputs are averaged over the copies, which keeps them additive: for every class,
``base_value + sum(values) == model output`` (tested).

The plots draw on their own ``matplotlib.figure.Figure`` (no pyplot state), like ``shap``'s ``show=False``.
Each plot has a text summary for screen readers and for the CLI.
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from decision_support.trained import TrainedModel

#: Rows of the reference table used as SHAP background (a seeded sample when the table is larger).
BACKGROUND_SIZE = 100
#: Rows of the reference table averaged for global importance.
GLOBAL_ROWS = 200
#: Tolerance of the additivity check done when an explainer is built.
ADDITIVITY_TOL = 1e-6


# ----------------------------------------------------------------------------------------------------
# Taking a fitted pipeline apart


@dataclass
class _Member:
    """One fitted copy of the model with the preprocessing steps in front of it."""

    steps: list  # fitted transformers, applied in order
    model: Any


def _members(estimator: Any, steps: list | None = None) -> list[_Member]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    steps = list(steps or [])
    if isinstance(estimator, Pipeline):
        inner = [s for _, s in estimator.steps[:-1] if s is not None and s != "passthrough"]
        return _members(estimator.steps[-1][1], steps + inner)
    if isinstance(estimator, CalibratedClassifierCV):
        found = []
        for calibrated in estimator.calibrated_classifiers_:
            found.extend(_members(calibrated.estimator, steps))
        return found
    if type(estimator).__name__ == "FrozenEstimator":
        return _members(estimator.estimator, steps)
    if isinstance(getattr(estimator, "calibrated_", None), CalibratedClassifierCV):
        # decision_support.models.SubjectCalibratedClassifier: calibration fitted on held-out subjects
        return _members(estimator.calibrated_, steps)
    return [_Member(steps, estimator)]


def _kind(model: Any) -> str:
    name = type(model).__name__
    if name in ("RandomForestClassifier", "ExtraTreesClassifier", "DecisionTreeClassifier"):
        return "tree-probability"
    if name in ("HistGradientBoostingClassifier", "GradientBoostingClassifier"):
        return "tree-logodds"
    if hasattr(model, "coef_") and hasattr(model, "intercept_") and hasattr(model, "decision_function"):
        return "linear"
    raise ValueError(
        f"SHAP explanations are available for logistic regression, LDA, random forest and gradient "
        f"boosting models, not for {name}."
    )


def _transform(steps: list, X: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    import pandas as pd

    data: Any = pd.DataFrame(X, columns=names)
    for step in steps:
        # Steps fitted on a DataFrame get one (no name warnings); steps fitted on arrays get an array.
        out = step.transform(data if hasattr(step, "feature_names_in_") else data.to_numpy(dtype=float))
        try:
            out_names = [str(n) for n in step.get_feature_names_out(list(data.columns))]
        except (AttributeError, ValueError, TypeError):
            out_names = list(data.columns) if np.shape(out)[1] == data.shape[1] else []
        if len(out_names) != np.shape(out)[1]:
            raise ValueError("the model's preprocessing changes the features in a way SHAP cannot map back")
        data = pd.DataFrame(np.asarray(out, dtype=float), columns=out_names)
    return data.to_numpy(dtype=float), list(data.columns)


def _model_output(model: Any, kind: str, Z: np.ndarray, n_classes: int) -> np.ndarray:
    if kind == "tree-probability":
        return np.asarray(model.predict_proba(Z), dtype=float)
    out = np.asarray(model.decision_function(Z), dtype=float)
    if out.ndim == 1:
        out = np.stack([-out, out], axis=-1)
    return out


class _MemberExplainer:
    def __init__(self, member: _Member, background: np.ndarray, names: list[str], n_classes: int) -> None:
        import shap

        self.member = member
        self.kind = _kind(member.model)
        self.n_classes = n_classes
        self.names = names
        Zb, self.z_names = _transform(member.steps, background, names)
        self.column_index = self._map_back(self.z_names, names)
        if self.kind == "linear":
            masker = shap.maskers.Independent(Zb, max_samples=len(Zb))
            self.explainer = shap.LinearExplainer(member.model, masker)
        else:
            self.explainer = self._tree_explainer(shap, Zb)

    @staticmethod
    def _map_back(z_names: list[str], names: list[str]) -> np.ndarray:
        position = {n: i for i, n in enumerate(names)}
        if all(n in position for n in z_names):
            return np.array([position[n] for n in z_names], dtype=int)
        if len(z_names) == len(names):  # unnamed outputs of a 1:1 transformer (x0, x1, ...)
            return np.arange(len(names))
        raise ValueError("the model's preprocessing changes the features in a way SHAP cannot map back")

    def _tree_explainer(self, shap: Any, Zb: np.ndarray) -> Any:
        # Interventional SHAP against the training background where it reproduces the model exactly;
        # shap 0.51 does not for scikit-learn's HistGradientBoosting (off by up to ~0.6 log-odds), so for
        # those path-dependent SHAP comes first (its background is the training data held in the trees'
        # node counts). Either way the explainer is checked for additivity before use.
        check = Zb[: min(5, len(Zb))]
        attempts = [{"data": Zb, "feature_perturbation": "interventional"},
                    {"feature_perturbation": "tree_path_dependent"}]
        if "HistGradientBoosting" in type(self.member.model).__name__:
            attempts.reverse()
        for kwargs in attempts:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                explainer = shap.TreeExplainer(self.member.model, **kwargs)
            self.explainer = explainer
            values, base, output = self._raw(check)
            if np.allclose(base[None, :] + values.sum(axis=1), output, atol=ADDITIVITY_TOL, rtol=0):
                return explainer
        raise ValueError("SHAP could not reproduce this tree model's output; its explanation would be wrong")

    def _raw(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """SHAP values (n, features, classes), base values (classes,), model output (n, classes)."""
        if self.kind == "linear":
            sv = self.explainer(Z)
            values = sv.values
            base = np.asarray(sv.base_values, dtype=float)[0]  # one row per input row, all equal
        else:
            values = self.explainer.shap_values(Z, check_additivity=False)
            base = np.asarray(self.explainer.expected_value, dtype=float)
        values = np.asarray(values, dtype=float)
        if values.ndim == 2:  # binary with one output
            values = np.stack([-values, values], axis=-1)
        base = np.atleast_1d(base).reshape(-1)
        if base.size == 1 and self.n_classes == 2:
            base = np.array([-base[0], base[0]])
        output = _model_output(self.member.model, self.kind, Z, self.n_classes)
        return values, base, output

    def explain(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Z, _ = _transform(self.member.steps, X, self.names)
        values_z, base, output = self._raw(Z)
        values = np.zeros((X.shape[0], len(self.names), values_z.shape[2]))
        np.add.at(values, (slice(None), self.column_index, slice(None)), values_z)
        return values, base, output


OUTPUT_SPACE = {"linear": "log-odds", "tree-logodds": "log-odds", "tree-probability": "probability"}
SPACE_WORDS = {"log-odds": "log-odds before calibration", "probability": "probability before calibration"}


@dataclass
class ShapValues:
    """SHAP values of several rows for every class.

    ``values`` is ``(n_rows, n_features, n_classes)``, ``base_values`` ``(n_classes,)``, ``output``
    ``(n_rows, n_classes)`` (the model's output in ``output_space``), ``data`` ``(n_rows, n_features)``.
    """

    values: np.ndarray
    base_values: np.ndarray
    output: np.ndarray
    data: np.ndarray
    feature_names: list[str]
    classes: list[str]
    output_space: str


class ShapExplainer:
    """SHAP for a fitted (possibly calibrated) pipeline, with a sample of the training table as background.

    Parameters
    ----------
    pipeline
        A fitted scikit-learn pipeline or calibrated classifier whose input columns are ``feature_names``.
    reference
        The training table (must hold ``feature_names``); a seeded sample of ``background_size`` rows is
        the SHAP background.
    """

    def __init__(self, pipeline: Any, reference: Any, feature_names: list[str], classes: list[str], *,
                 background_size: int = BACKGROUND_SIZE, seed: int = 0) -> None:
        self.feature_names = [str(n) for n in feature_names]
        self.classes = [str(c) for c in classes]
        missing = [n for n in self.feature_names if n not in reference.columns]
        if missing:
            raise ValueError(f"the training reference table lacks the model's features: {', '.join(missing[:5])}")
        table = reference[self.feature_names]
        if len(table) > background_size:
            table = table.sample(n=background_size, random_state=seed)
        self.background = table  # the rows SHAP compares against
        background = table.to_numpy(dtype=float)
        members = _members(pipeline)
        self._explainers = [_MemberExplainer(m, background, self.feature_names, len(self.classes)) for m in members]
        kinds = {e.kind for e in self._explainers}
        self.output_space = OUTPUT_SPACE[kinds.pop()] if len(kinds) == 1 else "mixed"

    def explain(self, X: Any) -> ShapValues:
        """SHAP values for each row of ``X`` (a DataFrame with the model's columns, or an array)."""
        data = np.asarray(X[self.feature_names] if hasattr(X, "columns") else X, dtype=float)
        if data.ndim == 1:
            data = data[None, :]
        parts = [e.explain(data) for e in self._explainers]
        values = np.mean([p[0] for p in parts], axis=0)
        base = np.mean([p[1] for p in parts], axis=0)
        output = np.mean([p[2] for p in parts], axis=0)
        return ShapValues(values, base, output, data, self.feature_names, self.classes, self.output_space)


_EXPLAINERS: "weakref.WeakKeyDictionary[Any, ShapExplainer]" = weakref.WeakKeyDictionary()


def explainer_for(model: TrainedModel) -> ShapExplainer:
    """The (cached) `ShapExplainer` of a `TrainedModel`; built once per loaded model."""
    try:
        return _EXPLAINERS[model.pipeline]
    except (KeyError, TypeError):
        pass
    explainer = ShapExplainer(model.pipeline, model.reference, list(model.feature_names), list(model.classes))
    try:
        _EXPLAINERS[model.pipeline] = explainer
    except TypeError:  # not weak-referenceable: just do not cache
        pass
    return explainer


# ----------------------------------------------------------------------------------------------------
# One prediction's explanation


@dataclass(frozen=True)
class Explanation:
    """Why the model scored one recording as it did, for one class.

    ``values[i]`` is feature ``feature_names[i]``'s SHAP value towards ``label`` in ``output_space``
    (positive pushes towards ``label``); ``base_value + values.sum() == model_output``.
    """

    feature_names: tuple[str, ...]
    values: np.ndarray
    feature_values: np.ndarray
    base_value: float
    model_output: float
    label: str
    output_space: str
    all_values: np.ndarray = field(repr=False)  # (n_features, n_classes)
    all_base_values: np.ndarray = field(repr=False)  # (n_classes,)
    classes: tuple[str, ...] = ()

    def top(self, k: int = 3) -> list[int]:
        """Indices of the ``k`` features with the largest |SHAP value|, largest first."""
        order = np.argsort(-np.abs(self.values), kind="stable")
        return [int(i) for i in order[: max(0, int(k))]]

    def to_dict(self, k: int | None = None) -> dict:
        idx = self.top(k) if k else list(range(len(self.feature_names)))
        return {
            "label": self.label,
            "output_space": self.output_space,
            "base_value": float(self.base_value),
            "model_output": float(self.model_output),
            "features": [
                {"name": self.feature_names[i], "value": float(self.feature_values[i]),
                 "shap": float(self.values[i])}
                for i in idx
            ],
        }


def explain_prediction(model: TrainedModel, X: Any, *, label: str | None = None) -> Explanation:
    """Explain the first row of ``X`` (a one-row feature table from ``model.featurize``).

    ``label`` defaults to the class with the highest calibrated probability.
    """
    explainer = explainer_for(model)
    shap_values = explainer.explain(X)
    classes = list(explainer.classes)
    if label is None:
        proba = np.asarray(model.pipeline.predict_proba(X[explainer.feature_names] if hasattr(X, "columns") else X))
        label = classes[int(np.argmax(proba[0]))]
    if label not in classes:
        raise ValueError(f"{label!r} is not one of the model's classes ({', '.join(classes)})")
    k = classes.index(label)
    return Explanation(
        feature_names=tuple(explainer.feature_names),
        values=shap_values.values[0, :, k],
        feature_values=shap_values.data[0],
        base_value=float(shap_values.base_values[k]),
        model_output=float(shap_values.output[0, k]),
        label=str(label),
        output_space=shap_values.output_space,
        all_values=shap_values.values[0],
        all_base_values=shap_values.base_values,
        classes=tuple(classes),
    )


# ----------------------------------------------------------------------------------------------------
# Global importance


@dataclass(frozen=True)
class GlobalImportance:
    """Mean |SHAP value| of each feature over the training table (averaged over classes), largest first."""

    feature_names: tuple[str, ...]
    mean_abs: np.ndarray
    per_class: np.ndarray  # (n_features, n_classes)
    classes: tuple[str, ...]
    output_space: str
    n_rows: int

    def to_dict(self) -> dict:
        return {
            "output_space": self.output_space,
            "n_rows": self.n_rows,
            "features": [{"name": n, "mean_abs_shap": float(v)} for n, v in zip(self.feature_names, self.mean_abs)],
        }


def global_importance(model: TrainedModel, *, max_rows: int = GLOBAL_ROWS, seed: int = 0) -> GlobalImportance:
    """Mean |SHAP| over (a seeded sample of) the training reference table."""
    explainer = explainer_for(model)
    table = model.reference[explainer.feature_names]
    if len(table) > max_rows:
        table = table.sample(n=max_rows, random_state=seed)
    sv = explainer.explain(table)
    per_class = np.abs(sv.values).mean(axis=0)
    mean_abs = per_class.mean(axis=1)
    order = np.argsort(-mean_abs, kind="stable")
    return GlobalImportance(
        feature_names=tuple(explainer.feature_names[i] for i in order),
        mean_abs=mean_abs[order],
        per_class=per_class[order],
        classes=tuple(explainer.classes),
        output_space=sv.output_space,
        n_rows=len(table),
    )

