"""Benchmark: EMG feature extraction (signal_core) against its baselines, measured in the same run.

Standard workload: 8 channels x 4 kHz x 60 s, window 0.2 s, step 0.05 s (1,197 windows).
Prints medians of several runs for the time-domain set and the full set, JIT cold start in a fresh
process (Numba cache warm and cold), peak extra memory, and ratios against one NumPy pass
``np.abs(x).sum()`` (the memory-bound floor), the plain NumPy reference (tests/signal_core/naive.py) and
libemg 2.0.3 (``utils.get_windows`` + ``FeatureExtractor.extract_features``) when it is installed
(``make bench`` installs it with ``--no-deps``).

Run: ``.venv/bin/python bench/bench_features.py`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from signal_core.features import FEATURE_SETS, extract_features  # noqa: E402
from tests.signal_core import naive  # noqa: E402

FS, SECONDS, CHANNELS, WINDOW_S, STEP_S = 4000.0, 60, 8, 0.2, 0.05
WINDOW, STEP = int(WINDOW_S * FS), int(STEP_S * FS)
LIBEMG_TIME = ["MAV", "RMS", "VAR", "IAV", "WL", "ZC", "SSC", "WAMP"]


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def load_libemg():
    """(utils, FeatureExtractor, note) or None. Only libemg.utils and libemg.feature_extractor are imported.

    libemg's package ``__init__`` imports its GUI, streamers and predictors (pygame, ...), which a
    ``--no-deps`` install lacks, so the package is registered without running its ``__init__`` and only
    the two modules the benchmark needs are executed. ``feature_extractor`` imports librosa (its LPC) and
    pywt (wavelets) at the top; the features measured here use neither, so when they are missing,
    stand-ins that refuse to run let it import. Nothing of libemg is vendored or changed.
    """
    import importlib
    import importlib.util
    import types

    try:
        spec = importlib.util.find_spec("libemg")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    note = ""
    if "libemg" not in sys.modules:
        package = types.ModuleType("libemg")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["libemg"] = package

    def _refuse(*args, **kwargs):
        raise RuntimeError("not available in this benchmark")

    for name, attrs in (("librosa", ("lpc",)), ("pywt", ("wavedec", "upcoef"))):
        if importlib.util.find_spec(name) is None:
            module = types.ModuleType(name)
            for attr in attrs:
                setattr(module, attr, _refuse)
            sys.modules[name] = module
            note = " (librosa/pywt stand-ins)"
    try:
        utils = importlib.import_module("libemg.utils")
        FeatureExtractor = importlib.import_module("libemg.feature_extractor").FeatureExtractor
    except Exception as exc:
        print(f"libemg import failed: {exc!r}")
        return None
    return utils, FeatureExtractor, note


def naive_time_set(x):
    w = naive.windows(x, WINDOW, STEP)
    return [naive.mav(w), naive.rms(w), naive.var(w), naive.iav(w), naive.wl(w), naive.zc(w), naive.ssc(w), naive.wamp(w)]


def naive_time_plus_spectral(x):
    w = naive.windows(x, WINDOW, STEP)
    return naive_time_set(x), naive.spectral(w, FS)


COLD_START = textwrap.dedent(
    """
    import time
    start = time.perf_counter()
    import numpy as np
    from signal_core.features import extract_features
    x = np.random.default_rng(0).normal(size=(4000, 2))
    extract_features(x, 4000.0)
    print(time.perf_counter() - start)
    """
)

MEMORY = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from signal_core.features import extract_features
    extract_features(np.random.default_rng(0).normal(size=(4000, 8)), 4000.0)  # JIT from cache, small
    x = np.empty((240000, 8)); np.random.default_rng(1).standard_normal(out=x); x *= 0.1
    def rss_kb(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1])
    try:
        open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
        before = rss_kb("VmRSS:")
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = extract_features(x, 4000.0, features=sys.argv[1].split(","))
    peak = rss_kb("VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((peak - before) * 1024, x.nbytes)
    """
)


def in_fresh_process(code: str, *args: str, env: dict | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main() -> None:
    quick = "--quick" in sys.argv
    repeats = 3 if quick else 7
    rng = np.random.default_rng(0)
    x = rng.normal(scale=0.1, size=(int(FS * SECONDS), CHANNELS))
    time_set = FEATURE_SETS["time"]
    extract_features(x, FS, WINDOW_S, STEP_S)  # compile or load the Numba cache

    print(f"workload: {CHANNELS} ch x {FS:g} Hz x {SECONDS} s ({x.nbytes / 1e6:.1f} MB), window {WINDOW_S} s, "
          f"step {STEP_S} s, {extract_features(x, FS, features=['MAV']).n_windows} windows; "
          f"numba threads: {os.environ.get('NUMBA_NUM_THREADS', 'default')}, cores: {os.cpu_count()}, "
          f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    floor = median_ms(lambda: np.abs(x).sum(), repeats * 3)
    ours_time = median_ms(lambda: extract_features(x, FS, WINDOW_S, STEP_S, time_set), repeats)
    ours_all = median_ms(lambda: extract_features(x, FS, WINDOW_S, STEP_S), repeats)
    ours_time_spec = median_ms(lambda: extract_features(x, FS, WINDOW_S, STEP_S, time_set + ["MNF", "MDF"]), repeats)
    ref_time = median_ms(lambda: naive_time_set(x), 3 if not quick else 1)
    ref_spec = median_ms(lambda: naive_time_plus_spectral(x), 1 if quick else 3)

    rows = [
        ("floor: np.abs(x).sum()", floor, ""),
        ("medlens time set (8 features)", ours_time, f"{ours_time / floor:.1f}x the floor; {ref_time / ours_time:.0f}x faster than NumPy reference"),
        ("medlens time set + MNF, MDF", ours_time_spec, f"{ref_spec / ours_time_spec:.0f}x faster than NumPy reference"),
        (f"medlens all {len(FEATURE_SETS['all'])} features", ours_all, f"{ours_all / floor:.1f}x the floor"),
        ("NumPy reference, time set", ref_time, ""),
        ("NumPy reference, time set + 8 spectral", ref_spec, ""),
    ]

    libemg = load_libemg()
    if libemg is None:
        print("libemg not available")
    else:
        utils, FeatureExtractor, note = libemg
        fe = FeatureExtractor()
        libemg_time = median_ms(lambda: fe.extract_features(LIBEMG_TIME, utils.get_windows(x, WINDOW, STEP)), 3)
        params = {"MNF_fs": FS, "MDF_fs": FS}
        spectral_names = ["MNF", "MDF"]
        try:
            fe.extract_features(["MDF"], utils.get_windows(x[: WINDOW * 2], WINDOW, STEP), params)
        except (TypeError, ValueError) as exc:
            # libemg 2.0.3 assigns a 1-element array to a scalar slot in getMDFfeat, an error since NumPy 2.x.
            print(f"libemg MDF fails with NumPy {np.__version__} ({type(exc).__name__}); its full set is timed "
                  "without MDF, which only flatters libemg")
            spectral_names = ["MNF"]
        libemg_spec = median_ms(
            lambda: fe.extract_features(LIBEMG_TIME + spectral_names, utils.get_windows(x, WINDOW, STEP), params), 1 if quick else 3
        )
        rows += [
            ("libemg 2.0.3 time set, windowing included" + note, libemg_time,
             f"medlens time set is {libemg_time / ours_time:.0f}x faster (target >= 30x)"),
            ("libemg 2.0.3 time set + " + ", ".join(spectral_names), libemg_spec,
             f"medlens time+MNF/MDF {libemg_spec / ours_time_spec:.0f}x faster, medlens all {len(FEATURE_SETS['all'])} "
             f"features {libemg_spec / ours_all:.0f}x faster (target >= 6x)"),
        ]

    print(f"\n{'what':<58} {'median ms':>10}  note")
    for name, ms, note in rows:
        print(f"{name:<58} {ms:>10.2f}  {note}")

    print(f"\ntime set vs floor: {ours_time / floor:.1f}x (target <= 5x); "
          f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")

    env = dict(os.environ)
    warm = float(in_fresh_process(COLD_START, env=env))
    with tempfile.TemporaryDirectory() as cache_dir:
        cold = float(in_fresh_process(COLD_START, env=dict(env, NUMBA_CACHE_DIR=cache_dir)))
    print(f"JIT start in a fresh process (import + first call, all features): cache warm {warm:.2f} s, cache cold {cold:.2f} s")

    for label, names in (("time set", time_set), ("all features", FEATURE_SETS["all"])):
        extra, nbytes = (int(v) for v in in_fresh_process(MEMORY, ",".join(names), env=env).split())
        print(f"peak extra memory, {label}: {extra / 1e6:.1f} MB = {extra / nbytes:.2f}x the input (target <= 2x)")


if __name__ == "__main__":
    main()
