"""Cohort feature extraction, files per second: serial vs a Dask LocalCluster vs an external scheduler.

Workload (default): 500 simulated needle recordings written to disk as NPZ (2 s x 4 channels at 4 kHz,
three conditions), recording-level features with the default settings, cache off. With ``--windows`` the
workload is window-level instead (simulated surface gesture sessions as CSV with a time and a label
column, segments and per-channel windows, ``decision_support.cohort_windows``).

Each Dask setup is started and warmed (every worker measures one file, so imports and Numba's JIT are
not timed) before the timed run; its start-up time is printed separately. The external scheduler is a
real ``dask scheduler`` process with ``dask worker`` processes on 127.0.0.1 (free ports), torn down at
the end. Every Dask table is checked equal to the serial one. Speed-up = serial time / Dask time, same run.

Run: .venv/bin/python bench/bench_cohort.py [--files 500] [--seconds 2] [--channels 4] [--workers 2] [--windows]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from decision_support.cohort import Cohort, cohort_features, read_manifest  # noqa: E402
from decision_support.cohort_windows import WindowSettings, cohort_windows  # noqa: E402
from decision_support.transformers import FeatureSettings  # noqa: E402
from signal_core.io import save_recording  # noqa: E402
from signal_core.synthetic import CONDITIONS, sample_subject, simulate_recording  # noqa: E402
from signal_core.synthetic_gestures import write_gesture_cohort  # noqa: E402


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_external(workers: int) -> tuple[str, list[subprocess.Popen]]:
    """A `dask scheduler` and `workers` `dask worker` processes on 127.0.0.1; returns (address, processes)."""
    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0", "--no-show"], **quiet)]
    time.sleep(1.0)
    procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet)
              for _ in range(workers)]
    return address, procs


def stop(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--windows", action="store_true", help="window-level gesture sessions instead")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        if args.windows:
            settings = WindowSettings(label_column="gesture")
            manifest = write_gesture_cohort(Path(tmp), subjects=args.files, gestures=("rest", "fist", "extension"),
                                            gesture_s=args.seconds, n_channels=args.channels)
            cohort = read_manifest(manifest, label_column="gesture")

            def run(scheduler):
                table = cohort_windows(cohort, settings, scheduler=scheduler)
                return pd.concat([table.X, table.X_baseline, table.meta], axis=1)

            what = (f"{args.files} gesture sessions (3 gestures x {args.seconds:g} s, {args.channels} channels at "
                    "1 kHz, CSV with time and label columns), window-level features and Hudgins' set")
        else:
            settings = FeatureSettings()
            manifest = write_cohort(Path(tmp), args.files, args.seconds, args.channels)
            cohort = read_manifest(manifest)

            def run(scheduler):
                return cohort_features(cohort, settings, use_cache=False, scheduler=scheduler)

            what = (f"{args.files} needle recordings x {args.seconds:g} s x {args.channels} channels at 4 kHz, "
                    "recording-level default features, no cache")
        one = Cohort(cohort.name, cohort.root, cohort.entries[:1])
        (cohort_windows(one, settings, scheduler="serial") if args.windows
         else cohort_features(one, settings, use_cache=False, scheduler="serial"))  # JIT warm-up
        start = time.perf_counter()
        serial = run("serial")
        t_serial = time.perf_counter() - start
        n = args.files
        print(f"cohort: {what}; {os.cpu_count()} CPU cores")
        print(f"serial                          {t_serial:7.2f} s  {n / t_serial:7.1f} files/s   1.00x")

        def timed(label: str, client: Client, t_start: float) -> None:
            warm = Cohort(cohort.name, cohort.root, cohort.entries[:args.workers])
            (cohort_windows(warm, settings, scheduler=client) if args.windows
             else cohort_features(warm, settings, use_cache=False, scheduler=client))
            start = time.perf_counter()
            table = run(client)
            elapsed = time.perf_counter() - start
            pd.testing.assert_frame_equal(serial, table)
            print(f"{label:<30}  {elapsed:7.2f} s  {n / elapsed:7.1f} files/s   {t_serial / elapsed:.2f}x   "
                  f"(start {t_start:.1f} s; table identical to serial)")

        t0 = time.perf_counter()
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.wait_for_workers(args.workers)
            timed(f"LocalCluster, {args.workers} workers", client, time.perf_counter() - t0)
        t0 = time.perf_counter()
        address, procs = start_external(args.workers)
        try:
            with Client(address, timeout="30s") as client:
                client.wait_for_workers(args.workers, timeout=60)
                timed(f"external scheduler, {args.workers} wk", client, time.perf_counter() - t0)
        finally:
            stop(procs)


if __name__ == "__main__":
    main()
