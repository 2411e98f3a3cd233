"""Model folders: save a trained :class:`~spin_detect.learning.model.SpinModel`, and read one back.

A model is a folder with ``model.joblib``, ``manifest.json`` and a card.
Loading a joblib file runs code, so :func:`read_model` first checks the
manifest (format version, SHA-256 of the model file, features the model was
trained on) and refuses anything that does not match unless
``trust_unverified=True``; it then unpickles the very bytes it checked.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

from spin_detect import __version__
from spin_detect.atomic import atomic_write
from spin_detect.features import FEATURE_NAMES, TOKEN_FEATURES, FeatureExtractor
from spin_detect.learning.model import AGG_FEATURES, SpinModel
from spin_detect.tables.store import DataFormatError

__all__ = ["MODEL_FORMAT", "MODEL_VERSION", "ModelError", "default_model_dir", "read_model", "save_model"]

MODEL_FORMAT = "spin-detect/model"
MODEL_VERSION = 1


class ModelError(DataFormatError):
    """A model folder is missing, altered, or made for another spin-detect."""


def save_model(model: SpinModel, folder: str | os.PathLike[str], extractor: FeatureExtractor,
               extra: dict | None = None) -> dict:
    """Write ``model.joblib`` and ``manifest.json`` to ``folder``; return the manifest.

    Each file is written whole or not at all (:mod:`spin_detect.atomic`); the model
    file first, so a manifest never names a model file that is not there.
    """
    import joblib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    data = buf.getvalue()
    atomic_write(folder / "model.joblib", data)
    manifest = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "spin_detect_version": __version__,
        "sha256": hashlib.sha256(data).hexdigest(),
        "reference_sha256": extractor.ref.sha256,
        "thesaurus_sha256": extractor.th.sha256,
        "neighbours": extractor.neighbours is not None,
        "trigrams": extractor.trigrams is not None,
        "topics": extractor.topics is not None,
        "sentence_features": list(FEATURE_NAMES) + list(AGG_FEATURES),
        "token_features": list(TOKEN_FEATURES),
        "thresholds": model.thresholds_,
        "training": model.info_,
        **(extra or {}),
    }
    atomic_write(folder / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def default_model_dir() -> Path:
    """``models/default`` of the repository, installed as ``spin_detect.default_model``."""
    from importlib import resources

    try:
        return Path(str(resources.files("spin_detect.default_model")))
    except ModuleNotFoundError:  # running from a source checkout that is not installed
        return Path(__file__).resolve().parents[2] / "models" / "default"


def _require_same_features(folder: Path, manifest: dict) -> None:
    """Refuse a model whose features are not the ones this version computes."""
    for key, names in (("token_features", TOKEN_FEATURES), ("sentence_features", FEATURE_NAMES + AGG_FEATURES)):
        if key in manifest and list(manifest[key]) != list(names):
            made_by = manifest.get("spin_detect_version")
            other = f" (or use spin-detect {made_by}, which made it)" if made_by and made_by != __version__ else ""
            raise ModelError(f"{folder}: this model was trained on other {key.replace('_', ' ')} than "
                             f"spin-detect {__version__} computes; retrain it with this version{other}")


def read_model(folder: Path, trust_unverified: bool = False) -> tuple[SpinModel, dict]:
    """The model of ``folder`` and its manifest, after the checks in the module docs.

    Raises :class:`ModelError` saying what is wrong (missing file, unreadable or
    mismatched manifest, altered model file, other features).
    """
    import joblib

    mpath, fpath = folder / "manifest.json", folder / "model.joblib"
    if not fpath.is_file():
        raise ModelError(f"{folder}: no model.joblib in this folder")
    try:
        data = fpath.read_bytes()
    except OSError as exc:
        raise ModelError(f"{fpath}: cannot read ({exc.strerror or exc})") from exc
    manifest: dict = {}
    if mpath.is_file():
        try:
            manifest = json.loads(mpath.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"{mpath}: unreadable manifest ({exc})") from exc
        if not isinstance(manifest, dict):
            raise ModelError(f"{mpath}: not a spin-detect manifest (a JSON {type(manifest).__name__}, not an object)")
    if not trust_unverified:
        if not manifest:
            raise ModelError(f"{folder}: no manifest.json; refusing to load an unverified model "
                             "(loading runs code; pass --trust-model if you made it yourself)")
        if manifest.get("format") != MODEL_FORMAT or manifest.get("version") != MODEL_VERSION:
            raise ModelError(f"{folder}: model format {manifest.get('format')} v{manifest.get('version')} "
                             f"cannot be read by spin-detect {__version__} (it reads {MODEL_FORMAT} "
                             f"v{MODEL_VERSION}); retrain it or use spin-detect "
                             f"{manifest.get('spin_detect_version', '?')}")
        if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
            raise ModelError(f"{fpath}: checksum does not match the manifest; the file was altered "
                             "(pass --trust-model only if you know why)")
        _require_same_features(folder, manifest)
    # Unpickle the very bytes that were checked: the file cannot be swapped in between.
    model = joblib.load(io.BytesIO(data))
    if not isinstance(model, SpinModel):
        raise ModelError(f"{fpath}: not a spin-detect model")
    return model, manifest
