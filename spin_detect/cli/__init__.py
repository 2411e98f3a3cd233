"""Application: the ``spin-detect`` command line (Typer).

:mod:`.app` holds the Typer app, its entry point :func:`main` and what the
commands share; the commands are in :mod:`.score`, :mod:`.audit`,
:mod:`.training` (train, evaluate, spin) and :mod:`.data` (build-reference,
synonyms, info) and are registered on the app here, in the order ``--help``
lists them; :mod:`.console` prints reports and progress. Only this package
talks to the console: results go to stdout, progress and errors to stderr.
"""

from spin_detect.cli import audit, data, score, training
from spin_detect.cli.app import app, main

__all__ = ["app", "main"]

app.command()(score.score)
app.command()(audit.audit)
app.command()(training.train)
app.command()(training.evaluate)
app.command()(training.spin)
app.command("convert-model")(training.convert_model)
app.command("build-reference")(data.build_reference_cmd)
app.command()(data.synonyms)
app.command()(data.info)
