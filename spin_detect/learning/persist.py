"""Model folders: save a trained :class:`~spin_detect.learning.model.SpinModel`, and read one back.

A model folder is data, never code: ``model.npz`` holds every fitted number as plain numeric arrays
(:mod:`spin_detect.learning.predictors`), ``manifest.json`` the format version, the SHA-256 of ``model.npz``,
the thresholds, the features and tables the model was trained with, and its training record; a card may sit
beside them. Reading checks the manifest and the checksum, checks the header of every array in the archive
(numeric dtypes only, sizes that match the archive, at most :data:`MAX_MODEL_BYTES`) and loads them with
``numpy.load(allow_pickle=False)``; nothing in the folder is imported, unpickled or executed.

Folders of spin-detect 0.2 and older hold a pickled ``model.joblib``, which
can run code when it is loaded: :func:`read_model` refuses them and names
:func:`convert_legacy_model` (``spin-detect convert-model``), which unpickles
one only when the user says they trust it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from spin_detect import __version__
from spin_detect.atomic import atomic_write
from spin_detect.features import FEATURE_NAMES, TOKEN_FEATURES, FeatureExtractor
from spin_detect.learning.context import ECHO, context_names
from spin_detect.learning.model import AGG_FEATURES, PLAIN_AGG, SpinModel
from spin_detect.learning.plain import PLAIN_FEATURES
from spin_detect.learning.predictors import export_estimator, from_arrays
from spin_detect.learning.thresholds import threshold_problem
from spin_detect.tables.adapt import AdaptedReference, adapt_reference
from spin_detect.tables.reference import ReferenceStats
from spin_detect.tables.store import DataFormatError

__all__ = ["LEGACY_MODEL_FILE", "MAX_MODEL_BYTES", "MODEL_FILE", "MODEL_FORMAT", "MODEL_VERSION", "ModelError",
           "DOMAIN_REFERENCE_FILE", "convert_legacy_model", "default_model_dir", "model_arrays", "model_reference",
           "read_model", "save_model"]

MODEL_FORMAT = "spin-detect/model"
#: 1: pickled ``model.joblib`` (spin-detect 0.2); 2: ``model.npz`` of plain arrays.
MODEL_VERSION = 2
MODEL_FILE = "model.npz"
LEGACY_MODEL_FILE = "model.joblib"
#: A user's own reference table (``train --reference``), copied into the model folder.
DOMAIN_REFERENCE_FILE = "domain_reference.bin"
#: Largest model archive read (bytes, and bytes of arrays once unpacked); the default model is about 1 MB.
MAX_MODEL_BYTES = 256 << 20
_PARTS = ("token", "sentence", "document")


class ModelError(DataFormatError):
    """A model folder is missing, altered, or made for another spin-detect."""


# ----------------------------------------------------------------------------- writing
def model_arrays(model: SpinModel, prefix: str = "") -> dict[str, np.ndarray]:
    """Every fitted number of ``model`` as named arrays (its models exported from scikit-learn if need be).
    A base model (``prior_``) is stored without its evidence model, which only the outer model uses, but with
    its plain model (its sentence model reads it)."""
    out: dict[str, np.ndarray] = {}
    for part in _PARTS:
        out.update(export_estimator(getattr(model, f"{part}_model_")).to_arrays(f"{prefix}{part}/"))
    if not prefix and getattr(model, "evidence_model_", None) is not None:
        out.update(export_estimator(model.evidence_model_).to_arrays("evidence/"))
    if getattr(model, "plain_model_", None) is not None:
        out.update(export_estimator(model.plain_model_).to_arrays(f"{prefix}plain/"))
    if getattr(model, "prior_", None) is not None:
        out.update(model_arrays(model.prior_, prefix + "prior/"))
    return out


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A ``.npz`` archive of ``arrays`` that is the same bytes for the same arrays (no timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with zf.open(info, "w") as f:
                np.lib.format.write_array(f, np.asarray(arrays[name]), allow_pickle=False)
    return buf.getvalue()


def _write_folder(model: SpinModel, folder: Path, fields: dict[str, Any]) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    data = _npz_bytes(model_arrays(model))
    atomic_write(folder / MODEL_FILE, data)  # the model first: a manifest never names a missing file
    manifest = {
        **fields,
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "file": MODEL_FILE,
        "spin_detect_version": __version__,
        "sha256": hashlib.sha256(data).hexdigest(),
        "sentence_features": _sentence_features(getattr(model, "plain_model_", None) is not None),
        "token_features": list(TOKEN_FEATURES),
        "thresholds": model.thresholds_,
        "training": model.info_,
    }
    atomic_write(folder / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def save_model(model: SpinModel, folder: str | os.PathLike[str], extractor: FeatureExtractor,
               extra: dict | None = None) -> dict:
    """Write ``model.npz`` and ``manifest.json`` to ``folder``; return the manifest.

    The fitted scikit-learn models are exported to arrays (the predictions of the
    exported models equal scikit-learn's to about 1e-15). Each file is written whole
    or not at all (:mod:`spin_detect.atomic`). ``extra`` adds manifest fields.
    When the extractor's reference is adapted to a domain
    (:func:`~spin_detect.tables.adapt.adapt_reference`), the domain table is copied
    into the folder as :data:`DOMAIN_REFERENCE_FILE` and the manifest records it
    (``domain_reference``: file, SHA-256, share, size), so the folder is complete.
    """
    folder = Path(folder)
    ref = extractor.ref
    domain: dict[str, Any] = {}
    if isinstance(ref, AdaptedReference):
        if ref.domain.path is None:
            raise ValueError("the domain reference was not read from a file, so it cannot be saved with the model")
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / DOMAIN_REFERENCE_FILE, Path(ref.domain.path).read_bytes())
        domain = {"domain_reference": {
            "file": DOMAIN_REFERENCE_FILE, "sha256": ref.domain.sha256, "share": ref.share,
            "source": Path(ref.domain.path).name, "tokens": ref.domain.total, "words": len(ref.domain),
            "word_pairs": len(ref.domain.bigram_keys), "coverage": round(ref.coverage, 4)}}
        ref = ref.general
    fields = {
        "reference_sha256": ref.sha256,
        **domain,
        "thesaurus_sha256": extractor.th.sha256,
        "neighbours": extractor.neighbours is not None,
        "trigrams": extractor.trigrams is not None,
        "topics": extractor.topics is not None,
        "cloze": extractor.cloze is not None,
        **({"cloze_sha256": extractor.cloze.sha256, "cloze_from": extractor.cloze_from}
           if extractor.cloze is not None else {}),
        **(extra or {}),
    }
    return _write_folder(model, folder, fields)


# ----------------------------------------------------------------------------- reading
def default_model_dir() -> Path:
    """``models/default`` of the repository, installed as ``spin_detect.default_model``."""
    from importlib import resources

    try:
        return Path(str(resources.files("spin_detect.default_model")))
    except ModuleNotFoundError:  # running from a source checkout that is not installed
        return Path(__file__).resolve().parents[2] / "models" / "default"


def _sentence_features(plain: bool) -> list[str]:
    """The sentence model's inputs, as a manifest lists them: with the plain model's summaries when it has one."""
    return list(FEATURE_NAMES) + list(AGG_FEATURES) + (list(PLAIN_AGG) if plain else [])


def _require_same_features(folder: Path, manifest: dict) -> None:
    """Refuse a model whose features are not the ones this version computes."""
    training = manifest.get("training")
    plain = isinstance(training, dict) and training.get("plain_features") is not None
    for key, names in (("token_features", list(TOKEN_FEATURES)), ("sentence_features", _sentence_features(plain))):
        if key in manifest and list(manifest[key]) != list(names):
            made_by = manifest.get("spin_detect_version")
            other = f" (or use spin-detect {made_by}, which made it)" if made_by and made_by != __version__ else ""
            raise ModelError(f"{folder}: this model was trained on other {key.replace('_', ' ')} than "
                             f"spin-detect {__version__} computes; retrain it with this version{other}")


def _read_manifest(folder: Path) -> dict:
    mpath = folder / "manifest.json"
    if not mpath.is_file():
        raise ModelError(f"{folder}: no manifest.json in this folder (a model folder holds {MODEL_FILE} and "
                         "manifest.json)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{mpath}: unreadable manifest ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ModelError(f"{mpath}: not a spin-detect manifest (a JSON {type(manifest).__name__}, not an object)")
    return manifest


def _legacy_message(folder: Path) -> str:
    return (f"{folder}: this model is in the pickle format of spin-detect 0.2 ({LEGACY_MODEL_FILE}), which runs "
            f"code when it is loaded, so spin-detect {__version__} does not load it. If you made it yourself, "
            f"convert it once: spin-detect convert-model {folder} --out NEW_FOLDER --trust-model")


def _checked_arrays(data: bytes, where: Path) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` archive, after checking every member's header; never unpickles."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = zf.infolist()
        total = 0
        for m in members:
            if not m.filename.endswith(".npy") or m.is_dir():
                raise ModelError(f"{where}: not a spin-detect model (unexpected member {m.filename!r})")
            total += m.file_size
            if total > MAX_MODEL_BYTES:
                raise ModelError(f"{where}: the model's arrays would take more than {MAX_MODEL_BYTES >> 20} MB")
            with zf.open(m) as f:
                version = np.lib.format.read_magic(f)
                read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, _fortran, dtype = read_header(f, max_header_size=10_000)
                if dtype.hasobject or dtype.kind not in "biuf?U":
                    raise ModelError(f"{where}: not a spin-detect model ({m.filename} holds {dtype}, which needs "
                                     "pickling: refused)")
                if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != m.file_size - f.tell():
                    raise ModelError(f"{where}: not a spin-detect model ({m.filename}: header and size disagree)")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except ModelError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, SyntaxError) as exc:
        raise ModelError(f"{where}: not a spin-detect model ({exc})") from exc


def _model_from_arrays(a: dict[str, np.ndarray], thresholds: dict, info: dict, prefix: str = "") -> SpinModel:
    prior = _model_from_arrays(a, {}, {}, prefix + "prior/") if f"{prefix}prior/token/kind" in a else None
    token, sentence, document = (from_arrays(a, f"{prefix}{part}/") for part in _PARTS)
    evidence = from_arrays(a, f"{prefix}evidence/") if f"{prefix}evidence/kind" in a else None
    plain = from_arrays(a, f"{prefix}plain/") if f"{prefix}plain/kind" in a else None
    return SpinModel(token, sentence, document, thresholds, info, prior, evidence, plain)


def read_model(folder: Path, trust_unverified: bool = False) -> tuple[SpinModel, dict]:
    """The model of ``folder`` and its manifest, after the checks in the module docs.

    ``trust_unverified`` skips the checksum and feature-list checks (for a model
    file the user altered on purpose); it never makes loading run code. Raises
    :class:`ModelError` saying what is wrong.
    """
    folder = Path(folder)
    fpath = folder / MODEL_FILE
    if not fpath.is_file():
        if (folder / LEGACY_MODEL_FILE).is_file():
            raise ModelError(_legacy_message(folder))
        raise ModelError(f"{folder}: no {MODEL_FILE} in this folder")
    manifest = _read_manifest(folder)
    if manifest.get("format") != MODEL_FORMAT or manifest.get("version") != MODEL_VERSION:
        if manifest.get("version") == 1:
            raise ModelError(_legacy_message(folder))
        raise ModelError(f"{folder}: model format {manifest.get('format')} v{manifest.get('version')} "
                         f"cannot be read by spin-detect {__version__} (it reads {MODEL_FORMAT} "
                         f"v{MODEL_VERSION}); retrain it or use spin-detect "
                         f"{manifest.get('spin_detect_version', '?')}")
    try:
        size = fpath.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ModelError(f"{fpath}: {size >> 20} MB, larger than any spin-detect model "
                             f"({MAX_MODEL_BYTES >> 20} MB at most)")
        data = fpath.read_bytes()
    except OSError as exc:
        raise ModelError(f"{fpath}: cannot read ({exc.strerror or exc})") from exc
    if not trust_unverified:
        if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
            raise ModelError(f"{fpath}: checksum does not match the manifest; the file was altered "
                             "(pass --trust-model only if you know why)")
        _require_same_features(folder, manifest)
    arrays = _checked_arrays(data, fpath)
    thresholds = manifest.get("thresholds")
    if (why := threshold_problem(thresholds)) is not None or not isinstance(thresholds, dict):
        raise ModelError(f"{folder}/manifest.json: {why}")
    training = manifest.get("training", {})
    if not isinstance(training, dict):
        raise ModelError(f"{folder}/manifest.json: 'training' is not an object")
    for key in ("token_context", "evidence_context"):
        _check_token_context(folder, training.get(key), key)
    try:
        model = _model_from_arrays(arrays, {k: float(v) for k, v in thresholds.items()}, training)
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"{fpath}: not a spin-detect model ({exc})") from exc
    if (model.evidence_model_ is None) != (training.get("evidence_context") is None):
        raise ModelError(f"{fpath}: the evidence model and the manifest's 'training.evidence_context' must come "
                         "together (one is missing)")
    plain = training.get("plain_features")
    if (model.plain_model_ is None) != (plain is None):
        raise ModelError(f"{fpath}: the plain token model and the manifest's 'training.plain_features' must come "
                         "together (one is missing)")
    if plain is not None and (plain != list(PLAIN_FEATURES)
                              or getattr(model.plain_model_, "n_features", None) != len(PLAIN_FEATURES)):
        raise ModelError(f"{fpath}: the plain token model reads other features than spin-detect {__version__} "
                         f"computes ({', '.join(PLAIN_FEATURES)}); retrain it with this version")
    for key, estimator, what in (("token_context", model.token_model_, "token model"),
                                 ("evidence_context", model.evidence_model_, "evidence model")):
        ctx = training.get(key)
        if ctx and getattr(estimator, "n_features", None) != len(TOKEN_FEATURES) + len(
                context_names(ctx["means"], ctx["offsets"], ctx.get("echo") or ())):
            raise ModelError(f"{fpath}: the {what} does not read the context columns its manifest names")
    return model, manifest


def _check_token_context(folder: Path, ctx: object, key: str = "token_context") -> None:
    """A manifest's ``token_context`` or ``evidence_context`` (:mod:`spin_detect.learning.context`) names
    token features this version computes and holds a number per mean; anything else is refused."""
    if ctx is None:
        return
    known = set(TOKEN_FEATURES)
    ok = (isinstance(ctx, dict) and isinstance(ctx.get("means"), list) and isinstance(ctx.get("offsets"), list)
          and all(isinstance(f, str) and f in known for f in ctx["means"])
          and all(isinstance(f, str) and f in ctx["means"] for f in ctx["offsets"])
          and isinstance(ctx.get("prior"), list) and len(ctx["prior"]) == len(ctx["means"])
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in ctx["prior"])
          and isinstance(ctx.get("pseudo_tokens"), (int, float)) and not isinstance(ctx["pseudo_tokens"], bool)
          and np.isfinite(ctx["pseudo_tokens"]) and ctx["pseudo_tokens"] > 0
          and (ctx.get("echo") is None or (isinstance(ctx["echo"], list)
                                           and all(isinstance(f, str) and f in ECHO for f in ctx["echo"]))))
    if not ok:
        raise ModelError(f"{folder}/manifest.json: 'training.{key}' is malformed (it names the token "
                         "features whose document means the token model reads, a prior per mean and a "
                         "positive pseudo_tokens; its optional 'echo' lists echo columns this version computes)")


def model_reference(folder: Path, manifest: dict, general: ReferenceStats) -> ReferenceStats:
    """The reference a model was trained with: ``general`` (the packaged table), or ``general``
    adapted to the domain table the folder carries (``train --reference``).

    Raises :class:`ModelError` when the domain table is missing, altered or not
    a reference table, or the model was trained on another general table.
    """
    want = manifest.get("reference_sha256")
    if want and want != general.sha256:
        raise ModelError(f"this model was trained with reference statistics {want[:12]}, but the installed "
                         f"ones are {general.sha256[:12]}; retrain it or install the matching spin-detect")
    spec = manifest.get("domain_reference")
    if not spec:
        return general
    if not isinstance(spec, dict) or spec.get("file") != DOMAIN_REFERENCE_FILE:
        raise ModelError(f"{folder}/manifest.json: 'domain_reference' names no {DOMAIN_REFERENCE_FILE}")
    path = folder / DOMAIN_REFERENCE_FILE
    if not path.is_file():
        raise ModelError(f"{folder}: the manifest names a domain reference, but {DOMAIN_REFERENCE_FILE} is missing")
    try:
        domain = ReferenceStats.load(path)
        share = float(spec["share"])
        if domain.sha256 != spec.get("sha256"):
            raise ModelError(f"{path}: checksum does not match the manifest; the file was altered")
        return adapt_reference(general, domain, share)
    except ModelError:
        raise
    except (DataFormatError, KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelError(f"{path}: not a usable domain reference, damaged or altered ({exc})") from exc


def check_model_tables(manifest: dict, extractor: FeatureExtractor) -> None:
    """Refuse a model whose manifest names another thesaurus or cloze table than ``extractor`` holds.

    Its token features were computed with those tables; read with others they would be other numbers,
    and the model would score silently wrong. Manifests without the field (older models) are not checked.

    Raises :class:`ModelError`.
    """
    why = extractor.table_mismatch({"thesaurus": manifest.get("thesaurus_sha256") or None,
                                    "cloze": manifest.get("cloze_sha256") or None})
    if why:
        raise ModelError(why)


def convert_legacy_model(old: str | os.PathLike[str], new: str | os.PathLike[str], trust: bool = False) -> dict:
    """Convert a spin-detect 0.2 model folder (pickled ``model.joblib``) into a folder of this format.

    Unpickling runs code, so this refuses unless ``trust`` is set: convert only models you made yourself. The old
    manifest's checksum is still checked when there is one. Returns the new manifest; ``new`` must be empty or new.
    """
    old, new = Path(old), Path(new)
    if not trust:
        raise ModelError(f"{old}: converting unpickles {LEGACY_MODEL_FILE}, which can run code; pass "
                         "--trust-model if you made this model yourself")
    fpath = old / LEGACY_MODEL_FILE
    if not fpath.is_file():
        already = " (it is in today's format already)" if (old / MODEL_FILE).is_file() else ""
        raise ModelError(f"{old}: no {LEGACY_MODEL_FILE} in this folder, nothing to convert{already}" if old.is_dir()
                         else f"{old}: no such folder")
    if new.is_dir() and any(new.iterdir()):  # never beside other files, nor over a model
        held = (new / MODEL_FILE).exists() or (new / "manifest.json").exists()
        raise ModelError(f"{new}: {'already holds a model' if held else 'not empty'}; choose an empty or new folder")
    manifest = _read_manifest(old) if (old / "manifest.json").is_file() else {}
    data = fpath.read_bytes()
    if manifest.get("sha256") and hashlib.sha256(data).hexdigest() != manifest["sha256"]:
        raise ModelError(f"{fpath}: checksum does not match its manifest; the file was altered")
    try:
        model = _unpickle_legacy(data)
    except Exception as exc:  # a broken or foreign file fails in any way unpickling can (KeyError, EOFError...)
        reason = ": ".join([type(exc).__name__, " ".join(str(exc).split())[:200]]).rstrip(": ")
        raise ModelError(f"{fpath}: cannot be read as a pickled model ({reason})") from exc
    if not isinstance(model, SpinModel):
        raise ModelError(f"{fpath}: not a spin-detect model")
    keep = {k: v for k, v in manifest.items() if k not in ("format", "version", "sha256", "file")}
    keep["converted_from"] = {"format": manifest.get("format", MODEL_FORMAT), "version": manifest.get("version", 1),
                              "sha256": hashlib.sha256(data).hexdigest()}
    return _write_folder(model, new, keep)


def _unpickle_legacy(data: bytes) -> Any:
    """Unpickle a 0.2 model (the one place a pickle is ever loaded, on the user's word), with the module
    paths of 0.2 (``spin_detect.model``, ``spin_detect.estimators``) pointing at their new homes."""
    import sys

    import joblib

    from spin_detect.learning import estimators, model

    aliases = {"spin_detect.model": model, "spin_detect.estimators": estimators}
    added = [name for name in aliases if name not in sys.modules]
    sys.modules.update({name: aliases[name] for name in added})
    try:
        return joblib.load(io.BytesIO(data))
    finally:
        for name in added:
            del sys.modules[name]
