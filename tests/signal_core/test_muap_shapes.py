"""MUAP shape models (signal_core.muap_shapes) and their use by the needle simulator."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal as sps

from signal_core.muap_shapes import ShapeModel, fit_shape_model, template_window
from signal_core.synthetic import (
    CONDITION_PARAMS,
    CONDITIONS,
    PARAMS_FILE,
    SHAPE_MODELS,
    motor_unit_pool,
    muap_duration_ms,
    sample_subject,
)


def _biphasic(n: int = 160, peak: int = 60, width: float = 6.0, lag: float = 8.0) -> np.ndarray:
    t = np.arange(n, dtype=float)
    return -np.exp(-0.5 * ((t - peak) / width) ** 2) + 0.5 * np.exp(-0.5 * ((t - peak - lag) / (2 * width)) ** 2)


def test_fit_keeps_the_shapes_and_samples_are_one_peak_to_peak():
    rng = np.random.default_rng(1)
    shapes = np.array([_biphasic(width=w, lag=g) for w, g in zip(rng.uniform(4, 8, 60), rng.uniform(6, 12, 60))])
    shapes /= np.ptp(shapes, axis=1, keepdims=True)
    model = fit_shape_model(shapes, fs=4000.0)
    assert model.variance_kept >= 0.95 and model.components.shape[1] == 160
    np.testing.assert_allclose(model.components @ model.components.T, np.eye(model.sd.size), atol=1e-9)
    waves = np.array([model.sample(rng, 4000.0) for _ in range(200)])
    np.testing.assert_allclose(np.ptp(waves, axis=1), 1.0)
    # Drawn shapes look like the fitted ones: the same mean shape, largest deflection at the same place.
    assert np.corrcoef(waves.mean(axis=0), shapes.mean(axis=0))[0, 1] > 0.98
    assert abs(int(np.median(np.argmax(np.abs(waves), axis=1))) - 60) <= 2


def test_sample_follows_the_rate_and_stretch():
    model = fit_shape_model(np.array([_biphasic(width=w) for w in (5.0, 6.0, 7.0, 8.0)]), fs=4000.0)
    rng = np.random.default_rng(0)
    assert model.sample(rng, 4000.0).size == 160
    assert model.sample(rng, 23_437.5).size == round(160 * 23_437.5 / 4000)
    short = muap_duration_ms(model.sample(np.random.default_rng(3), 20_000.0, stretch=0.8), 20_000.0)
    long = muap_duration_ms(model.sample(np.random.default_rng(3), 20_000.0, stretch=1.25), 20_000.0)
    assert long > 1.4 * short


def test_draws_lie_near_one_real_template_but_copy_none():
    # Two families of shapes: a Gaussian-score model would also draw blends halfway between them;
    # the kernel density draw stays near one family or the other.
    rng = np.random.default_rng(5)
    narrow = [_biphasic(width=w) for w in rng.uniform(3.0, 3.5, 30)]
    wide = [_biphasic(width=w, lag=14.0) for w in rng.uniform(9.0, 10.0, 30)]
    shapes = np.array(narrow + wide)
    shapes /= np.ptp(shapes, axis=1, keepdims=True)
    model = fit_shape_model(shapes)
    assert model.scores is not None and model.scores.shape == (60, model.sd.size)
    waves = np.array([model.sample(rng, 4000.0) for _ in range(200)])
    distance = np.linalg.norm(waves[:, None, :] - shapes[None, :, :], axis=2).min(axis=1)
    gap = np.linalg.norm(np.mean(narrow, axis=0) / np.ptp(np.mean(narrow, axis=0))
                         - np.mean(wide, axis=0) / np.ptp(np.mean(wide, axis=0)))
    assert np.all(distance > 1e-6)  # no copy
    assert np.median(distance) < 0.25 * gap
    gaussian = ShapeModel(model.fs, model.peak_index, model.mean, model.components, model.sd, model.n_templates,
                          model.variance_kept)  # the same model without the templates' scores
    blends = np.array([gaussian.sample(rng, 4000.0) for _ in range(200)])
    far = np.linalg.norm(blends[:, None, :] - shapes[None, :, :], axis=2).min(axis=1)
    assert np.median(far) > 1.5 * np.median(distance)


def test_template_window_fades_what_lies_beyond_the_marked_muap():
    # Another unit's potential 17.5 ms after the peak is part of the template but not of this MUAP.
    t = 0.3 * _biphasic(n=200, peak=80) + 0.2 * _biphasic(n=200, peak=150, width=3.0)
    onset, end = 60, 110  # marked 5 ms before and 7.5 ms after the peak (template samples)
    whole, cut = template_window(t, 80), template_window(t, 80, 4000.0, onset, end)
    # The window starts 60 samples (15 ms) before the peak, at template sample 20.
    late = slice(end - 20 + 8 + 8 + 1, 160)  # beyond 2 ms of margin and 2 ms of fade
    assert np.abs(whole[late]).max() > 0.2 and np.abs(cut[late]).max() == 0.0
    inside = slice(onset - 20 - 8, end - 20 + 8)  # the MUAP and its margins: unchanged but for the scale
    np.testing.assert_allclose(cut[inside] / np.abs(cut[inside]).max(), whole[inside] / np.abs(whole[inside]).max(),
                               atol=1e-9)


def test_round_trip_through_json():
    model = fit_shape_model(np.array([_biphasic(width=w) for w in (5.0, 6.0, 7.0, 8.0, 9.0)]))
    again = ShapeModel.from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_allclose(again.scores, model.scores, rtol=1e-3, atol=1e-6)
    assert again.n_templates == 5 and again.peak_index == model.peak_index
    np.testing.assert_allclose(again.mean, model.mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(again.components, model.components, rtol=1e-4, atol=1e-6)


def test_template_window_cuts_baselines_and_refuses_what_it_cannot_cut():
    t = 0.3 * _biphasic(n=200, peak=80) + 0.05  # offset baseline, 0.3 mV
    w = template_window(t, 80)
    assert w is not None and w.size == 160 and np.ptp(w) == pytest.approx(1.0)
    assert abs(w[0]) < 1e-9 and abs(w[-1]) < 1e-9  # tapered to zero
    assert template_window(t, 30) is None  # not 15 ms before the peak
    assert template_window(t, 190) is None  # not 25 ms after it
    assert template_window(np.zeros(200), 80) is None  # flat
    with pytest.raises(ValueError, match="at least three"):
        fit_shape_model(np.zeros((2, 160)))


def test_shipped_parameters_carry_a_shape_model_per_class_with_its_provenance():
    doc = json.loads(PARAMS_FILE.read_text())
    for condition in CONDITIONS:
        assert CONDITION_PARAMS[condition].shapes == "fitted"
        assert SHAPE_MODELS[condition].n_templates >= 100
        facts = doc["shapes_fitted_from"][condition]
        assert facts["templates"] == SHAPE_MODELS[condition].n_templates and len(facts["subjects"]) >= 4


def test_fitted_pool_draws_its_muaps_from_the_class_shape_model():
    subject = sample_subject("neurogenic", 4)
    pool = motor_unit_pool(subject, 4000.0, seed=4)
    assert len(pool.templates) == subject.n_units
    # Each template is a draw from the model stretched by the subject's duration factor: back on the
    # model's grid (and scaled to 1 peak to peak) it lies in the span of the model's components.
    model = SHAPE_MODELS["neurogenic"]
    for t in pool.templates:
        assert t.size == round(model.mean.size * subject.duration_scale)
        w = sps.resample(t, model.mean.size) / np.ptp(t) - model.mean
        residual = w - model.components.T @ (model.components @ w)
        assert np.linalg.norm(residual) < 0.25 * np.linalg.norm(w)
    np.testing.assert_allclose(pool.amplitudes_mv, [np.ptp(t) for t in pool.templates])
