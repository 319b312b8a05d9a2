"""One quick demo model per test process (a few seconds of training), shared by every test that needs one.

Fixtures in several conftest files call `quick_model_folder`; the model is trained once per process and
then copied wherever a test needs it (e.g. into ``$MEDLENS_MODEL_DIR/demo`` for the app pages).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

_FOLDER: Path | None = None


def quick_model_folder() -> Path:
    """The folder of a quick demo model (trained on the first call, then reused)."""
    global _FOLDER
    if _FOLDER is None or not (_FOLDER / "model.json").is_file():
        from decision_support.demo import ensure_demo_model

        root = Path(tempfile.mkdtemp(prefix="medlens-quick-model-"))
        _FOLDER = ensure_demo_model(root / "demo", quick=True)
    return _FOLDER


def install_as_demo(models_dir: Path) -> Path:
    """Copy the quick model to ``models_dir / "demo"`` (where the app and CLI look for the demo model)."""
    target = Path(models_dir) / "demo"
    if not target.exists():
        shutil.copytree(quick_model_folder(), target)
    return target


_DEFAULT: Path | None = None


def default_model_folder() -> Path:
    """The real default model (N2001 table shipped with medlens; few bootstrap resamples so it trains fast)."""
    global _DEFAULT
    if _DEFAULT is None or not (_DEFAULT / "model.json").is_file():
        from decision_support.default_model import train_default_model
        from decision_support.registry import save_model

        root = Path(tempfile.mkdtemp(prefix="medlens-default-model-"))
        _DEFAULT = save_model(train_default_model(n_boot=40), root / "n2001")
    return _DEFAULT


def install_as_default(models_dir: Path) -> Path:
    """Copy the real default model to ``models_dir / "n2001"`` (where the app and CLI look for it)."""
    target = Path(models_dir) / "n2001"
    if not target.exists():
        shutil.copytree(default_model_folder(), target)
    return target


def training_recording(label: str):
    """The first recording of a ``label`` subject of the quick demo cohort (inside the quick model's training
    distribution whatever the simulator's current parameters, so the full prediction path runs)."""
    from decision_support.demo import cohort_spec, simulate_cohort

    return next(rec for rec, meta in simulate_cohort(cohort_spec("demo-needle", quick=True)) if meta["label"] == label)
