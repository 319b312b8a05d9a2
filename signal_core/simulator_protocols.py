"""Recording protocols and clinical sessions for the needle simulator (``signal_core.synthetic``).

A needle examination records each muscle at several needle positions: at rest (looking for
fibrillation potentials and positive sharp waves), at low effort (single MUAPs), at stronger effort (the
recruitment and interference pattern), with ramps up and relaxation back to rest. The protocols map to
excitation profiles; "low" and "moderate" are the excitations fitted to the N2001 low- and
moderate-force recordings (``CONDITION_PARAMS``; moderate only exists for controls there, so its value is
the controls' for every class).

Examples
--------
>>> rec = simulate_protocol("myopathic", "rest", seconds=1.0, seed=2, spontaneous=True)
>>> rec.metadata["protocol"], rec.metadata["active_units"], len(rec.metadata["spontaneous"]["fibrillations"]) > 0
('rest', 0, True)
>>> [item.protocol for item in simulate_session("healthy", sites=2, seconds=1.0)]
['rest', 'low', 'moderate', 'rest', 'low', 'moderate']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from signal_core.errors import SignalError
from signal_core.recording import Recording
from signal_core.synthetic import CONDITION_PARAMS, CONDITIONS, ConditionParams, sample_subject, simulate_recording

PROTOCOLS: dict[str, str] = {
    "rest": "relaxed muscle: no voluntary units (spontaneous activity optional)",
    "low": "steady weak effort, as the N2001 low-force recordings (single MUAPs visible)",
    "moderate": "steady moderate effort, as the N2001 moderate-force control recordings",
    "ramp": "effort rising steadily from rest to twice the moderate level (capped at maximal)",
    "relaxation": "moderate effort for the first 30%, easing off to rest by half-way, then rest",
}
SESSION_PROTOCOLS = ("rest", "low", "moderate")  # at each needle site, as in a routine examination
MAX_SITES = 20


def excitation_for(protocol: str, params: ConditionParams) -> float | list[float]:
    """The excitation (a number or a profile for ``simulate_recording``) of a protocol."""
    low, moderate = params.low_excitation, params.moderate_excitation
    profiles: dict[str, Callable[[], Any]] = {
        "rest": lambda: 0.0,
        "low": lambda: low,
        "moderate": lambda: moderate,
        "ramp": lambda: list(np.linspace(0.0, min(1.0, 2 * moderate), 50)),
        "relaxation": lambda: list(np.interp(np.linspace(0, 1, 50), [0.0, 0.3, 0.5, 1.0], [moderate, moderate, 0, 0])),
    }
    if protocol not in profiles:
        raise SignalError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    return profiles[protocol]()


def simulate_protocol(condition: str, protocol: str, seconds: float = 10.0, fs: float = 4000.0, *,
                      seed: int = 0, spontaneous: bool = False, **kwargs: Any) -> Recording:
    """A needle recording of ``condition`` under ``protocol`` (see ``PROTOCOLS``).

    ``spontaneous`` adds fibrillations and positive sharp waves; it is allowed for "rest" and
    "relaxation" only (during effort they hide among the MUAPs and clinicians do not look for them there).
    Other keyword arguments go to ``simulate_recording`` (``subject``, ``mains_hz``, ``noise_uv``, ...).
    """
    if condition not in CONDITIONS:
        raise SignalError(f"unknown condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    if "excitation" in kwargs:
        raise SignalError("give a protocol or an excitation, not both")
    excitation = excitation_for(protocol, CONDITION_PARAMS[condition])
    if spontaneous and protocol not in ("rest", "relaxation"):
        raise SignalError(f"spontaneous activity is simulated at rest or in relaxation, not in a {protocol!r} recording")
    rec = simulate_recording(condition, seconds=seconds, fs=fs, seed=seed, excitation=excitation,
                             spontaneous=spontaneous, **kwargs)
    meta = {**rec.metadata, "protocol": protocol, "protocol_description": PROTOCOLS[protocol]}
    return Recording(rec.data, rec.fs, rec.channel_names, rec.units, meta)


@dataclass(frozen=True)
class SessionRecording:
    """One recording of a clinical session: needle site (1-based), protocol, and the recording."""

    site: int
    protocol: str
    recording: Recording


def simulate_session(condition: str, *, seed: int = 0, sites: int = 3, seconds: float = 10.0,
                     fs: float = 4000.0, protocols: tuple[str, ...] = SESSION_PROTOCOLS,
                     spontaneous: bool | None = None) -> list[SessionRecording]:
    """A needle examination of one muscle of one subject: ``protocols`` at each of ``sites`` needle sites.

    All recordings share the subject (``sample_subject(condition, seed)``); the recordings at one site see
    the same motor units, and each site other ones, as a new needle position does. ``spontaneous`` (rest
    recordings only): by default present in the myopathic and neurogenic classes and absent in healthy
    muscle, a teaching choice (in real patients it depends on the disease and its stage).
    """
    if condition not in CONDITIONS:
        raise SignalError(f"unknown condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    if not 1 <= int(sites) <= MAX_SITES:
        raise SignalError(f"{sites} needle sites is out of range; simulate 1 to {MAX_SITES}")
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown or not protocols:
        raise SignalError(f"unknown protocol {unknown[0] if unknown else '(none)'}; choose from {', '.join(PROTOCOLS)}")
    spont = (condition != "healthy") if spontaneous is None else bool(spontaneous)
    subject = sample_subject(condition, seed)
    out = []
    for site in range(1, int(sites) + 1):
        for k, protocol in enumerate(protocols):
            rec_seed = int(seed) * 1000 + site * 10 + k
            rec = simulate_protocol(condition, protocol, seconds, fs, seed=rec_seed, subject=subject,
                                    units_seed=int(seed) * 1000 + site, spontaneous=spont and protocol == "rest")
            rec = Recording(rec.data, rec.fs, rec.channel_names, rec.units,
                            {**rec.metadata, "session_seed": int(seed), "site": site})
            out.append(SessionRecording(site, protocol, rec))
    return out
