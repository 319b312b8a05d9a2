"""`medlens emg ...`: simulate recordings, extract features, check signal quality.

Exit codes: 0 success; 1 bad input (a clear "Error: ..." line, no traceback); `medlens emg quality`
exits 2 when the verdict is "fail" so scripts can stop on unusable recordings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from app.commands.common import echo_json, user_errors
from signal_core.errors import SignalError
from signal_core.io import DEFAULT_MIN_SECONDS, implausible_rate_note, load_recording, save_recording
from signal_core.quality import assess_quality
from signal_core.simulator_protocols import PROTOCOLS, simulate_protocol, simulate_session
from signal_core.synthetic import CONDITIONS, MODES, simulate_recording

emg_cli = typer.Typer(help="EMG recordings: simulate, extract features, check signal quality, measure MUAPs.",
                      no_args_is_help=True)

QUALITY_FAIL_EXIT = 2

_FS_HELP = "Sampling rate in Hz (needed for .npy and headerless CSV files; overrides the file's own for CSV/NPZ)."


def _load(path: Path, fs: float | None):
    return load_recording(path, fs=fs)


def _write_guard(path: Path, what: str):
    """Turn an unwritable output path into a plain SignalError."""
    if path.exists() and path.is_dir():
        raise SignalError(f"{path}: is a folder; give a file name for the {what}")
    if not path.parent.exists():
        raise SignalError(f"{path}: the folder {path.parent} does not exist")


@emg_cli.command("simulate")
def simulate(
    condition: str = typer.Option("healthy", help=f"One of: {', '.join(CONDITIONS)}."),
    seconds: float = typer.Option(10.0, help="Length in seconds."),
    fs: float = typer.Option(4000.0, "--fs", help="Sampling rate in Hz (needle EMG: 4000 or more)."),
    mode: str = typer.Option("needle", help=f"Electrode: {' or '.join(MODES)}."),
    channels: int = typer.Option(1, help="Number of channels."),
    seed: int = typer.Option(0, help="Random seed: the same seed gives the same recording."),
    excitation: float = typer.Option(0.3, help="Effort from 0 (rest) to 1 (maximal)."),
    mains: int | None = typer.Option(None, help="Add mains hum at 50 or 60 Hz."),
    electrode_shift: bool = typer.Option(False, "--electrode-shift", help="Change amplitude partway through."),
    protocol: str | None = typer.Option(
        None, help=f"Needle protocol instead of --excitation: {', '.join(PROTOCOLS)}, or session "
                   "(rest, low and moderate at each of --sites needle sites; -o names a folder)."),
    spontaneous: bool = typer.Option(False, "--spontaneous", help="Add fibrillations and positive sharp waves (rest, relaxation)."),
    sites: int = typer.Option(3, help="Needle sites of a --protocol session."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the recording (.npz); a folder for a session."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Simulate an EMG recording (motor-unit model fitted to real needle EMG; healthy, myopathic or
    neurogenic) and save it as NPZ; --protocol picks rest, low, moderate, ramp, relaxation or a session."""
    if protocol == "session":
        _simulate_session(condition, seconds, fs, seed, sites, spontaneous, output, json_output)
        return
    with user_errors():
        _write_guard(output, "recording")
        if protocol is not None:
            if mode != "needle":
                raise SignalError("protocols are simulated for needle EMG; leave out --mode surface")
            rec = simulate_protocol(condition, protocol, seconds, fs, n_channels=channels, seed=seed,
                                    mains_hz=mains, electrode_shift=electrode_shift, spontaneous=spontaneous)
        else:
            rec = simulate_recording(
                condition, seconds=seconds, fs=fs, mode=mode, n_channels=channels, seed=seed,
                excitation=excitation, mains_hz=mains, electrode_shift=electrode_shift, spontaneous=spontaneous,
            )
        _save(rec, output)
    summary = {
        "output": str(output),
        "condition": condition,
        "mode": mode,
        "seconds": rec.duration_s,
        "fs": rec.fs,
        "channels": list(rec.channel_names),
        "units": rec.units[0],
        "seed": seed,
        "simulated": True,
        "subject": rec.metadata["subject"],
        "active_units": rec.metadata["active_units"],
        "protocol": protocol,
        "spontaneous": rec.metadata.get("spontaneous"),
    }
    if json_output:
        echo_json(summary)
        return
    what = f"{protocol} protocol, " if protocol else ""
    typer.echo(f"Wrote {output}: simulated {condition} {mode} EMG ({what}{rec.duration_s:g} s at {rec.fs:g} Hz, "
               f"{rec.n_channels} channel(s) in mV; seed {seed}, {summary['active_units']} active motor units).")
    typer.echo("This recording is simulated, not from a patient.")


def _save(rec, output: Path) -> None:
    try:
        save_recording(rec, output)
    except OSError as exc:
        raise SignalError(f"{output}: could not write the file ({exc.strerror or exc})") from None


def _simulate_session(condition: str, seconds: float, fs: float, seed: int, sites: int, spontaneous: bool,
                      output: Path, json_output: bool) -> None:
    """`--protocol session`: one NPZ per recording in the folder ``output`` (created if missing)."""
    with user_errors():
        if output.exists() and not output.is_dir():
            raise SignalError(f"{output}: is a file; a session needs a folder for its recordings")
        if not output.parent.exists():
            raise SignalError(f"{output}: the folder {output.parent} does not exist")
        session = simulate_session(condition, seed=seed, sites=sites, seconds=seconds, fs=fs,
                                   spontaneous=True if spontaneous else None)
        output.mkdir(exist_ok=True)
        files = []
        for item in session:
            path = output / f"site{item.site}-{item.protocol}.npz"
            _save(item.recording, path)
            files.append({"file": str(path), "site": item.site, "protocol": item.protocol,
                          "active_units": item.recording.metadata["active_units"],
                          "spontaneous": item.recording.metadata.get("spontaneous") is not None})
    if json_output:
        echo_json({"output": str(output), "condition": condition, "seed": seed, "simulated": True, "recordings": files})
        return
    typer.echo(f"Wrote {len(files)} recordings of a simulated {condition} needle examination to {output}/ "
               f"({sites} site(s): {', '.join(dict.fromkeys(f['protocol'] for f in files))}; seed {seed}).")
    typer.echo("These recordings are simulated, not from a patient.")


@emg_cli.command("info")
def info(
    recording: Path = typer.Argument(..., help="Recording file (.csv, .npy, .npz, .hea/.dat, .edf, .bdf)."),
    fs: float | None = typer.Option(None, "--fs", help=_FS_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Show what a recording holds: format, sampling rate, length, channels, units."""
    with user_errors():
        # info describes any readable file, even one too short to analyse (the other commands say so)
        rec = load_recording(recording, fs=fs, min_samples=2)
    meta = rec.metadata
    too_short = rec.duration_s < DEFAULT_MIN_SECONDS
    payload = {
        "file": str(recording),
        "format": meta.get("format", ""),
        "fs": rec.fs,
        "n_samples": rec.n_samples,
        "duration_s": rec.duration_s,
        "channels": [
            {"name": n, "unit": u, "min": float(rec.data[:, i].min()), "max": float(rec.data[:, i].max()),
             "rms": float(np.sqrt(np.mean(rec.data[:, i] ** 2)))}
            for i, (n, u) in enumerate(zip(rec.channel_names, rec.units))
        ],
        "simulated": bool(meta.get("simulated", False)),
        "condition": meta.get("condition"),
        "too_short_to_analyse": too_short,
    }
    if json_output:
        echo_json(payload)
        return
    typer.echo(f"{recording}: {payload['format'] or 'recording'}, {rec.n_samples} samples at {rec.fs:g} Hz "
               f"({rec.duration_s:.3g} s), {rec.n_channels} channel(s)")
    for ch in payload["channels"]:
        unit = f" {ch['unit']}" if ch["unit"] else ""
        typer.echo(f"  {ch['name']}: range {ch['min']:.4g} to {ch['max']:.4g}{unit}, RMS {ch['rms']:.4g}{unit}")
    if payload["simulated"]:
        typer.echo(f"Simulated recording (condition: {payload['condition']}); not from a patient.")
    doubt = implausible_rate_note(rec.fs)
    if doubt:
        typer.echo(doubt)
    if too_short:
        typer.echo(f"Too short to analyse: the other commands need at least {DEFAULT_MIN_SECONDS:g} s "
                   "(one analysis window).")


@emg_cli.command("quality")
def quality(
    recording: Path = typer.Argument(..., help="Recording file."),
    fs: float | None = typer.Option(None, "--fs", help=_FS_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Check signal quality per channel: flat/disconnected, clipping, mains hum, motion, SNR.

    Exit code 0 for "pass" or "warn", 2 for "fail".
    """
    with user_errors():
        report = assess_quality(_load(recording, fs))
    if json_output:
        echo_json(report.to_dict())
    else:
        typer.echo(f"Quality: {report.verdict.upper()}")
        for reason in report.reasons:
            typer.echo(f"- {reason}")
        typer.echo(f"{'channel':<12} {'verdict':<7} {'flat':>6} {'clipped':>8} {'mains':>6} {'<20 Hz':>7} {'SNR dB':>7}")
        for ch in report.channels:
            typer.echo(f"{ch.name:<12} {ch.verdict:<7} {ch.flat_fraction:>6.1%} {ch.clipping_fraction:>8.2%} "
                       f"{ch.mains_ratio:>6.1%} {ch.motion_ratio:>7.1%} {ch.snr_db:>7.1f}")
    if report.verdict == "fail":
        raise typer.Exit(QUALITY_FAIL_EXIT)


@emg_cli.command("features")
def features(
    recording: Path = typer.Argument(..., help="Recording file."),
    fs: float | None = typer.Option(None, "--fs", help=_FS_HELP),
    window: float = typer.Option(0.2, help="Window length in seconds."),
    step: float = typer.Option(0.05, help="Step between windows in seconds."),
    feature_list: str | None = typer.Option(
        None, "--features", help="Comma-separated feature names (e.g. MAV,RMS,MNF), or a set name; default all."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write one row per window to this CSV file."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Extract EMG features over sliding windows; print medians per channel, or write every window to CSV."""
    from signal_core.features import FEATURES, extract_features

    with user_errors():
        rec = _load(recording, fs)
        names = None
        if feature_list is not None:
            names = [n.strip() for n in feature_list.split(",") if n.strip()]
            names = names[0] if len(names) == 1 else names
        result = extract_features(rec, window_s=window, step_s=step, features=names)
        if output is not None:
            _write_guard(output, "feature table")
            try:
                result.to_frame().to_csv(output, index=False)
            except OSError as exc:
                raise SignalError(f"{output}: could not write the file ({exc.strerror or exc})") from None
    medians = np.median(result.values, axis=0)  # (channels, features)
    summary = {
        name: {ch: float(medians[c, f]) for c, ch in enumerate(result.channel_names)}
        for f, name in enumerate(result.feature_names)
    }
    payload = {
        "file": str(recording),
        "output": str(output) if output else None,
        "n_windows": result.n_windows,
        "window_s": window,
        "step_s": step,
        "features": list(result.feature_names),
        "channels": list(result.channel_names),
        "median": summary,
        "simulated": bool(rec.metadata.get("simulated", False)),
    }
    if json_output:
        echo_json(payload)
        return
    where = f", written to {output}" if output else ""
    typer.echo(f"{result.n_windows} windows of {window:g} s every {step:g} s, {len(result.feature_names)} "
               f"features x {len(result.channel_names)} channel(s){where}. Median over windows:")
    typer.echo(f"{'feature':<10} {'unit':<8} " + " ".join(f"{c:>12}" for c in result.channel_names))
    for f, name in enumerate(result.feature_names):
        unit = FEATURES[name].unit if name in FEATURES else ""
        if unit == "signal units" and rec.units and rec.units[0]:
            unit = rec.units[0]  # amplitude features carry the recording's own unit
        typer.echo(f"{name:<10} {unit:<8} " + " ".join(f"{medians[c, f]:>12.5g}" for c in range(medians.shape[0])))


@emg_cli.command("muap")
def muap(
    recordings: list[Path] = typer.Argument(..., help="Needle recording(s) at slight voluntary contraction (.npz, "
                                            ".hea, .csv ...); several recordings of one muscle are pooled."),
    channel: int = typer.Option(0, "--channel", help="Channel to analyse, numbered from 0."),
    muscle: str | None = typer.Option(None, "--muscle", help="Muscle (e.g. biceps); default: the file's own."),
    age: float | None = typer.Option(None, "--age", help="Age in years; default: the file's own."),
    fs: float | None = typer.Option(None, "--fs", help=_FS_HELP),
    at_rest: bool | None = typer.Option(
        None, "--at-rest/--contraction",
        help="Whether the muscle was at rest, for fibrillations and positive sharp waves; default: the file's "
             "protocol or level, else only long pauses are searched."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Quantitative needle EMG: MUAP durations, amplitudes, phases, turns ... against reference values.

    Give several recordings of one muscle (needle sites of one examination) to pool their MUAPs, as a
    clinician collects about 20 before judging the muscle."""
    from signal_core.muap import analyse_muaps, analyse_session

    with user_errors():
        if age is not None and not 0 <= age < 130:
            raise SignalError(f"age {age:g} is not a plausible age in years")
        recs = [_load(path, fs) for path in recordings]
        if len(recs) == 1:
            result, per = analyse_muaps(recs[0], channel=channel, muscle=muscle, age=age), []
        else:
            result, per = analyse_session(recs, channel=channel, muscle=muscle, age=age)
        activities = [_activity(rec, channel, at_rest) for rec in recs]
    if len(recs) == 1:
        payload = {"file": str(recordings[0]), **result.to_dict(), "activity": activities[0]}
    else:
        payload = {"files": [str(p) for p in recordings], "pooled": True, **result.to_dict(),
                   "recordings": [{"file": str(p), "n_muaps": len(a.muaps), "pattern": a.pattern,
                                   "message": a.message, "activity": act}
                                  for p, a, act in zip(recordings, per, activities)]}
    if json_output:
        echo_json(payload)
        return
    activity_lines = [_activity_line(act, at_rest, rec.metadata) for act, rec in zip(activities, recs)]
    if len(recs) > 1:
        typer.echo(f"Pooled {len(recs)} recordings of one muscle:")
        for path, a, line in zip(recordings, per, activity_lines):
            typer.echo(f"  {path}: " + (f"{len(a.muaps)} MUAPs" if not a.message else "no MUAPs") + f". {line}")
    if result.message:
        typer.echo(result.message)
        if len(recs) == 1:
            typer.echo(activity_lines[0])
        for line in result.limits:
            typer.echo(f"Note: {line}")
        return
    where = str(recordings[0]) if len(recs) == 1 else f"{len(recs)} recordings pooled"
    typer.echo(f"{where}: {len(result.muaps)} MUAPs at {result.fs:g} Hz"
               f"{' from ' + result.muscle if result.muscle else ''}"
               f"{f', age {result.age:g}' if result.age is not None else ''}.")
    typer.echo(f"{'#':>3} {'dur ms':>7} {'amp mV':>7} {'phases':>6} {'turns':>5} {'area':>6} {'thick':>6} "
               f"{'SI':>5} {'spike':>6} {'n':>4} {'rate Hz':>7}")
    for i, m in enumerate(result.muaps, 1):
        typer.echo(f"{i:>3} {m.duration_ms:>7.1f} {m.amplitude_mv:>7.3f} {m.phases:>6} {m.turns:>5} "
                   f"{m.area_mv_ms:>6.3f} {m.thickness_ms:>6.2f} {m.size_index:>5.2f} {m.spike_duration_ms:>6.2f} "
                   f"{m.n_discharges:>4} {m.firing_rate_hz:>7.1f}{'  satellite' if m.satellite else ''}")
    if result.reference:
        typer.echo("Against the reference:")
        for c in result.reference:
            typer.echo(f"  {c.parameter:<18} {c.value:>7.3g}  range {c.low:.3g}-{c.high:.3g}  {c.verdict}")
    typer.echo(result.reference_note)
    typer.echo("Findings:")
    for line in result.findings:
        typer.echo(f"- {line}")
    if len(recs) == 1:
        typer.echo(activity_lines[0])
    for line in result.limits:
        typer.echo(f"Note: {line}")


def _activity(rec, channel: int, at_rest: bool | None = None) -> dict:
    """Rest, voluntary and artefact stretches and spontaneous activity at rest, as JSON."""
    from signal_core.activity import segment_activity, spontaneous_activity

    spont = spontaneous_activity(rec, channel=channel, at_rest=at_rest)
    segments = segment_activity(rec, channel=channel)
    return {
        "segments": [{"start_s": s.start_s, "end_s": s.end_s, "kind": s.kind} for s in segments],
        "seconds": {kind: sum(s.end_s - s.start_s for s in segments if s.kind == kind)
                    for kind in ("rest", "voluntary", "artefact")},
        "spontaneous": {"rest_seconds": spont.rest_seconds, "fibrillations": spont.fibrillations,
                        "positive_sharp_waves": spont.positive_sharp_waves,
                        "fibrillation_rate_hz": spont.fibrillation_rate_hz, "psw_rate_hz": spont.psw_rate_hz,
                        "message": spont.message},
    }


def _activity_line(activity: dict, at_rest: bool | None, metadata: dict) -> str:
    from signal_core.activity import activity_sentence

    return activity_sentence(activity["seconds"], activity["spontaneous"]["message"], at_rest, metadata)


@emg_cli.command("interference")
def interference(
    recording: Path = typer.Argument(..., help="Needle recording at moderate voluntary effort (.npz, .hea, .csv ...)."),
    channel: int = typer.Option(0, "--channel", help="Channel to analyse, numbered from 0."),
    muscle: str | None = typer.Option(None, "--muscle", help="Muscle (e.g. biceps); default: the file's own."),
    fs: float | None = typer.Option(None, "--fs", help=_FS_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON (every epoch's point and side) instead of text."),
) -> None:
    """Interference pattern: turns per second against mean amplitude per 100 ms epoch, against the normal cloud."""
    from signal_core.interference_cloud import INSIDE, LEFT, RIGHT, compare_with_cloud

    with user_errors():
        rec = _load(recording, fs)
        result = compare_with_cloud(rec, channel=channel, muscle=muscle)
    if json_output:
        echo_json({"file": str(recording), **result.to_dict()})
        return
    counts = result.counts()
    typer.echo(f"{recording}: {len(result.sides)} epochs of {result.epoch_s * 1000:g} ms, "
               f"compared at {result.fs_compared:g} Hz.")
    others = [f"{n} {side}" for side, n in counts.items() if n and side not in (INSIDE, RIGHT, LEFT)]
    typer.echo(f"Epochs: {counts[INSIDE]} inside the normal cloud, {counts[RIGHT]} right of it (large), "
               f"{counts[LEFT]} left of it (small)" + (f"; not compared: {', '.join(others)}." if others else "."))
    typer.echo(f"Verdict: {result.verdict}. {result.message}")
    for line in result.limits:
        typer.echo(f"Note: {line}")
    typer.echo(f"Cloud: {result.source}")


def register(cli: typer.Typer) -> None:
    cli.add_typer(emg_cli, name="emg")
