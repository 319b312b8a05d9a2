"""End-to-end predict + explain for one 60 s, 8-channel, 4 kHz recording (target: under 250 ms warm).

What runs is exactly what `medlens predict` and the Decision support page run: quality gate, recording
features, out-of-distribution check, calibrated probabilities, conformal set, SHAP explanation and the
plain-language reasons (``decision_support.predict.predict_recording``).

The model is the shipped demo model (``decision_support.demo.DEMO_MODEL_KIND``, trained on one-channel
needle EMG at 4 kHz). Its features
pool the windows of all channels, so it reads an 8-channel recording as it is; the recording is simulated
in needle mode with 8 channels (the same motor units seen with independent noise) so it stays inside the
training cohort and the whole path, SHAP included, runs. With ``--kind rf`` (or hgb/lda) the bench also
trains that kind on the quick demo cohort to time a tree explainer.

Baseline, measured in the same run: ``signal_core.features.extract_features`` alone (every window feature,
all 8 channels) on the same recording. Prints the median warm time, the cold time (first call in this
process: explainer built, kernels loaded) and the share of the warm time in each step.

Usage: python bench/bench_predict.py [--repeats 7] [--quick] [--kind rf]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decision_support.demo import DEMO_MODEL_KIND, demo_recording, ensure_demo_model, train_demo_model  # noqa: E402
from decision_support.predict import predict_recording  # noqa: E402
from decision_support.registry import load_model  # noqa: E402
from signal_core.features import extract_features  # noqa: E402

TARGET_S = 0.250


def _model(quick: bool, kind: str | None, folder: str | None = None):
    if folder:
        return load_model(folder), f"model at {folder}"
    if kind and kind != "logistic":
        print(f"training a quick {kind} model on the quick demo cohort ...", flush=True)
        return train_demo_model(kind=kind, quick=True), f"{kind} (quick demo cohort)"
    if quick:
        folder = ensure_demo_model(Path(tempfile.mkdtemp(prefix="medlens-bench-")) / "demo", quick=True)
        return load_model(folder), f"{DEMO_MODEL_KIND} demo model (quick cohort)"
    print("loading the demo model (trained now if missing; that takes a few minutes once) ...", flush=True)
    return load_model(ensure_demo_model()), f"{DEMO_MODEL_KIND} demo model"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="use the quick demo model (for a fast check)")
    parser.add_argument("--kind", choices=["logistic", "lda", "rf", "hgb"], default=None)
    parser.add_argument("--model", default=None, help="a saved model folder to time instead of the demo model")
    args = parser.parse_args(argv)

    model, name = _model(args.quick, args.kind, args.model)
    # The first simulated subject the model accepts (an abstention would skip the model and SHAP steps).
    for condition, index in [(c, i) for i in range(5) for c in ("neurogenic", "healthy", "myopathic")]:
        recording = demo_recording(condition, index, seconds=60.0, mode="needle", fs=4000.0, n_channels=8)
        started = time.perf_counter()
        cold = predict_recording(recording, model, confidence=0.9, explain=True)
        cold_s = time.perf_counter() - started
        if not cold.abstained:
            break
        print(f"({condition} subject {index}: the model abstained; trying another simulated subject)")
    else:
        print("the model abstained on every simulated subject tried; the timing would not cover the full path")
        return 1
    print(f"recording: {recording.duration_s:g} s x {recording.n_channels} channels at {recording.fs:g} Hz "
          f"(simulated needle EMG, {condition} subject {index}); model: {name}, "
          f"version {model.metadata.get('version')}")

    warm, steps = [], {k: [] for k in ("quality", "features", "model", "shap")}
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = predict_recording(recording, model, confidence=0.9, explain=True)
        warm.append(time.perf_counter() - started)
        for key in steps:
            steps[key].append(result.timings.get(key, 0.0))
    baseline = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        extract_features(recording)
        baseline.append(time.perf_counter() - started)

    warm_s, base_s = statistics.median(warm), statistics.median(baseline)
    print(f"prediction: {result.predicted_label}, set {result.prediction_set}, "
          f"{len(result.reasons)} reasons, explanation over {len(result.explanation.values)} features")
    print(f"cold (first accepted call in this process): {cold_s * 1000:8.1f} ms")
    print(f"warm (median of {args.repeats}): {warm_s * 1000:8.1f} ms   target {TARGET_S * 1000:.0f} ms: "
          f"{'met' if warm_s <= TARGET_S else 'NOT met'}")
    shares = {k: statistics.median(v) for k, v in steps.items()}
    for key, label in (("quality", "quality gate"), ("features", "recording features"),
                       ("model", "OOD + probabilities + conformal set"), ("shap", "SHAP + reasons")):
        print(f"  {label:<38} {shares[key] * 1000:8.1f} ms  ({shares[key] / warm_s:5.1%})")
    print(f"baseline signal_core.extract_features alone (all features, 8 channels): {base_s * 1000:8.1f} ms")
    print(f"ratio warm predict+explain / extract_features baseline: {warm_s / base_s:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
