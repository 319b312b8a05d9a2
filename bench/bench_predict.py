"""Predict + explain with the default model (real patients): one 60 s 8-channel recording, and a patient.

Targets: one 60 s, 8-channel, 4 kHz recording under 150 ms warm; a five-recording patient under 300 ms.

What runs is exactly what `medlens predict` and the Decision support page run (``predict_recording`` for each
recording, ``predict_patient`` to combine them): quality gate, MUAP analysis of channel 1 and window features
of all channels, out-of-distribution check, tempered calibrated probabilities, conformal set, SHAP and the
clinical reasons. Nothing is logged (the audit write is not part of the timing).

Recordings: the 60 s recording is simulated needle EMG (8 channels: the same motor units seen with
independent noise). The patient is five real N2001 recordings of one subject (11.2 s, one channel each) when
``../shared/data/emg_n2001`` is present, else five simulated 11.2 s recordings.

Baseline, measured in the same run: ``signal_core.features.extract_features`` alone (every window feature)
on the same recording(s). Prints the median warm time, the cold time (first call in this process) and the
share of the warm time in each step.

Usage: python bench/bench_predict.py [--repeats 7] [--model FOLDER]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decision_support.default_model import ensure_default_model  # noqa: E402
from decision_support.demo import demo_recording  # noqa: E402
from decision_support.predict import predict_patient, predict_recording  # noqa: E402
from decision_support.registry import load_model  # noqa: E402
from signal_core.features import extract_features  # noqa: E402

TARGET_ONE_S = 0.150
TARGET_PATIENT_S = 0.300
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "emg_n2001"
STEPS = (("quality", "quality gate"), ("features", "MUAPs (ch1) (+ window features if read)"),
         ("model", "OOD + probabilities + conformal set"), ("shap", "SHAP + clinical reasons"))


def _long_recording() -> tuple[object, str]:
    """60 s x 8 channels at 4 kHz: real N2001 records of one subject laid end to end (channel c starts at record
    c), when ../shared/data is here; else simulated needle EMG."""
    import numpy as np

    from signal_core.recording import Recording

    if (SHARED / "index.json").is_file():
        from decision_support.n2001 import load_n2001, training_records

        rows = [r for r in training_records(SHARED) if r["subject"] == "A01"]
        signals = [load_n2001(SHARED, r)[0].data[:, 0] for r in rows]
        n = 60 * 4000
        channels = [np.concatenate(signals[c:] + signals[:c])[:n] for c in range(8)]
        return (Recording(np.ascontiguousarray(np.stack(channels, axis=1)), 4000.0, tuple(f"ch{c + 1}" for c in range(8)),
                          ("mV",) * 8, {"muscle": "biceps brachii"}),
                "60 s x 8 channels of real N2001 records of subject A01 laid end to end")
    return (demo_recording("neurogenic", 0, seconds=60.0, mode="needle", fs=4000.0, n_channels=8),
            "60 s x 8 channels of simulated needle EMG")


def _patient_recordings() -> tuple[list, str]:
    if (SHARED / "index.json").is_file():
        from decision_support.n2001 import load_n2001, training_records

        rows = [r for r in training_records(SHARED) if r["subject"] == "A01"][:5]
        return [load_n2001(SHARED, r)[0] for r in rows], "five real N2001 recordings of subject A01 (ALS)"
    recs = [demo_recording("neurogenic", i, seconds=11.2, mode="needle", fs=4000.0) for i in range(5)]
    return recs, "five simulated 11.2 s needle recordings (../shared/data is not here)"


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _time(fn, repeats: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--model", default=None, help="a saved model folder (default: the default model)")
    args = parser.parse_args(argv)
    folder = args.model or ensure_default_model(Path(tempfile.mkdtemp(prefix="medlens-bench-")) / "n2001")
    model = load_model(folder)
    print(f"model: {model.version} ({model.feature_set} features, {len(model.feature_names)} columns)")

    one, what = _long_recording()
    started = time.perf_counter()
    cold = predict_recording(one, model)
    print(f"{what}: cold {1000 * (time.perf_counter() - started):.0f} ms; "
          f"{'abstained: ' + cold.abstain_reasons[0][:80] if cold.abstained else cold.predicted_label}")
    warm_s, _, result = _time(lambda: predict_recording(one, model), args.repeats)
    steps = {k: [] for k, _ in STEPS}
    for _ in range(3):
        r = predict_recording(one, model)
        for key in steps:
            steps[key].append(r.timings.get(key, 0.0))
    base_s, _, _ = _time(lambda: extract_features(one), args.repeats)
    print(f"  warm (median of {args.repeats}): {warm_s * 1000:7.1f} ms   target {TARGET_ONE_S * 1000:.0f} ms: "
          f"{'met' if warm_s <= TARGET_ONE_S else 'NOT met'}")
    for key, label in STEPS:
        print(f"    {label:<36} {_median_ms(steps[key]):7.1f} ms")
    print(f"  baseline extract_features alone (all features, 8 channels): {base_s * 1000:7.1f} ms; "
          f"ratio {warm_s / base_s:.2f}x")

    recordings, what = _patient_recordings()

    def patient():
        return predict_patient([predict_recording(r, model) for r in recordings], model)

    patient()  # cold
    warm_p, _, combined = _time(patient, args.repeats)
    base_p, _, _ = _time(lambda: [extract_features(r) for r in recordings], args.repeats)
    print(f"patient: {what}: {combined.predicted_label} {combined.prediction_set} "
          f"({len(combined.used)} of {len(combined.records)} used)")
    print(f"  warm (median of {args.repeats}): {warm_p * 1000:7.1f} ms   target {TARGET_PATIENT_S * 1000:.0f} ms: "
          f"{'met' if warm_p <= TARGET_PATIENT_S else 'NOT met'}")
    print(f"  baseline extract_features alone on the five: {base_p * 1000:7.1f} ms; ratio {warm_p / base_p:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
