"""Cohort feature extraction: serial vs Dask distributed with 1 and 2 workers (issue 5).

Workload: a simulated needle cohort written to disk as NPZ (default 40 recordings x 30 s x 4 channels at
4 kHz), features with the default settings, cache off. Each Dask cluster (LocalCluster, one thread per worker process) is
started and warmed (every worker computes one file, so Numba's JIT and imports are not timed) before the
timed run; the start-up time is printed separately. The speed-up is serial time / Dask time, same run.
Every Dask table is checked equal to the serial one.

Run: .venv/bin/python bench/bench_cohort.py [--files 40] [--seconds 30] [--channels 4] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from decision_support.cohort import Cohort, cohort_features, features_for_file, read_manifest  # noqa: E402
from decision_support.transformers import FeatureSettings  # noqa: E402
from signal_core.io import save_recording  # noqa: E402
from signal_core.synthetic import CONDITIONS, sample_subject, simulate_recording  # noqa: E402


def write_cohort(root: Path, n_files: int, seconds: float, channels: int) -> Path:
    rows = []
    for i in range(n_files):
        condition = CONDITIONS[i % 3]
        subject = f"S{i // 3:03d}"
        rec = simulate_recording(condition, seconds=seconds, seed=i, subject=sample_subject(condition, i // 3),
                                 n_channels=channels)
        path = root / f"{subject}-{i}.npz"
        save_recording(rec, path)
        rows.append({"path": path.name, "subject": subject, "label": condition})
    manifest = root / "manifest.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    settings = FeatureSettings()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_cohort(Path(tmp), args.files, args.seconds, args.channels)
        cohort = read_manifest(manifest)
        cohort_features(Cohort(cohort.name, cohort.root, cohort.entries[:1]), settings, use_cache=False)  # JIT warm-up
        start = time.perf_counter()
        serial = cohort_features(cohort, settings, use_cache=False, scheduler="serial")
        t_serial = time.perf_counter() - start
        print(f"cohort: {args.files} needle recordings x {args.seconds:g} s x {args.channels} channels at 4 kHz, "
              f"default features, no cache; {os.cpu_count()} CPU cores")
        print(f"serial                 {t_serial:7.2f} s   1.00x")
        for workers in [int(w) for w in args.workers.split(",")]:
            t0 = time.perf_counter()
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                client.wait_for_workers(workers)
                warm = [str(e.path) for e in cohort.entries[:workers]]
                client.gather(client.map(features_for_file, warm, [settings.to_dict()] * workers, pure=False))
                t_start = time.perf_counter() - t0
                start = time.perf_counter()
                table = cohort_features(cohort, settings, use_cache=False, scheduler=client)
                elapsed = time.perf_counter() - start
            pd.testing.assert_frame_equal(serial, table)
            print(f"dask, {workers} worker(s)    {elapsed:7.2f} s   {t_serial / elapsed:.2f}x   "
                  f"(cluster start + warm-up {t_start:.1f} s; table identical to serial)")


if __name__ == "__main__":
    main()
