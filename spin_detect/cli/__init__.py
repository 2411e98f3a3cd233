"""Application: the ``spin-detect`` command line (Typer).

:mod:`.app` holds the Typer app, its entry point :func:`main` and what the
commands share; the commands are in :mod:`.score`, :mod:`.audit`,
:mod:`.matching` (index), :mod:`.training` (train, evaluate, spin) and :mod:`.data` (build-reference,
synonyms, info) and are registered on the app here, in the order ``--help``
lists them; :mod:`.console` prints reports and progress; :mod:`.helpformat` formats ``--help`` and
holds the table of exit codes. Only this package
talks to the console: results go to stdout, progress and errors to stderr.
"""

from spin_detect.cli import audit, data, matching, score, training
from spin_detect.cli.app import app, main
from spin_detect.cli.helpformat import PlainCommand

__all__ = ["app", "main"]

app.command(cls=PlainCommand)(score.score)
app.command(cls=PlainCommand)(audit.audit)
app.command(cls=PlainCommand)(matching.index)
app.command(cls=PlainCommand)(training.train)
app.command(cls=PlainCommand)(training.evaluate)
app.command(cls=PlainCommand)(training.spin)
app.command("convert-model", cls=PlainCommand)(training.convert_model)
app.command("build-reference", cls=PlainCommand)(data.build_reference_cmd)
app.command(cls=PlainCommand)(data.synonyms)
app.command(cls=PlainCommand)(data.info)
