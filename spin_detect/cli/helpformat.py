"""``--help`` that reads like other command-line tools, and one place for exit codes.

Typer's own help shows a type after every option (``<bool>``, ``<str>``,
``<int range>``) and braces around required arguments (``{file}``), and its
rich rendering takes ``[dask]`` in a help text for markup. :class:`PlainCommand`
and :class:`PlainGroup` print plain help instead, as ``git`` or ``grep`` do:
``Usage: spin-detect score [OPTIONS] FILE``, then ``-o, --out PATH`` with the
option's help, its default and whether it is required, wrapped to the
terminal (at most 80 columns). No ``rich`` is imported for ``--help``.

:data:`EXIT_CODES` is the table of exit codes every command uses (the README's
"Exit codes" shows the same table; a test compares them). :class:`PlainGroup`
also turns a Ctrl-C that no command handled into exit code 130.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["EXIT_CODES", "EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "PlainCommand", "PlainGroup"]

#: The command did what was asked (whatever the verdicts; an audit whose records had errors, as rows, too).
EXIT_OK = 0
#: Something outside the command line failed: an output cannot be written, a package an option needs is
#: missing, the Dask scheduler cannot be reached or fails; ``synonyms``: a word is not in the thesaurus.
EXIT_FAILURE = 1
#: Usage or bad input (nothing was done): fix the command line or the input and run it again.
EXIT_USAGE = 2
#: Interrupted (Ctrl-C); an audit keeps its rows for ``--resume``.
EXIT_INTERRUPTED = 130

#: Every exit code of ``spin-detect`` and what it means (``--help`` and the README show this table).
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "done (whatever the verdicts; an audit whose records had errors too: they are rows)",
    EXIT_FAILURE: "failed while running: an output cannot be written, a package an option needs is missing, "
                  "the Dask scheduler cannot be reached; synonyms: a word is not in the thesaurus",
    EXIT_USAGE: "usage or bad input, nothing done: a wrong option or value, an input path that does not exist, "
                "an unreadable article, model or labelled data, a report that exists (--force, --resume)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); an audit keeps its rows for --resume",
}


def _choices(param: Any) -> tuple[str, ...] | None:
    """The choices of an option (Typer keeps them on ``type_descriptor``, click on ``type``), or None."""
    for holder in (getattr(param, "type_descriptor", None), getattr(param, "type", None)):
        choices = getattr(holder, "choices", None)
        if choices:
            return tuple(str(c) for c in choices)
    return None


def _metavar(param: Any) -> str:
    """What stands for an option's value in the help: its ``metavar``, its choices, or its name in capitals."""
    if param.metavar:
        return str(param.metavar)
    choices = _choices(param)
    return "|".join(choices) if choices else str(param.name).upper()


def _argument_name(param: Any) -> str:
    name = str(param.metavar or param.name).upper()
    return name + ("..." if param.nargs != 1 else "")


def _option_record(param: Any) -> tuple[str, str]:
    """``("-o, --out PATH", "help  [default: x; required]")``: one option as the help lists it."""
    names = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
    if not param.is_flag:
        names += f" {_metavar(param)}"
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    extra = []
    default = param.default
    if (param.show_default is not False and not param.is_flag and default not in (None, "", ())
            and not callable(default)):
        extra.append(f"default: {default}")
    if param.required:
        extra.append("required")
    help_text = param.help or ""
    if extra:
        help_text = f"{help_text}  [{'; '.join(extra)}]".strip()
    return names, help_text


class PlainCommand(TyperCommand):
    """A command whose ``--help`` is plain text: ``FILE`` not ``{file}``, no ``<type>`` after options."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] FILE`` / ``[OPTIONS] INPUTS...``: arguments by name, optional ones in brackets."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """The "Arguments" and "Options" sections, as two-column lists wrapped to the terminal."""
        args, opts = [], []
        for param in self.get_params(ctx):
            if getattr(param, "hidden", False):
                continue
            if param.param_type_name == "argument":
                args.append((_argument_name(param), getattr(param, "help", None) or ""))
            else:
                opts.append(_option_record(param))
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


#: click's UsageError (Typer carries its own copy of click): the base of every usage error, found from the
#: public ``typer.BadParameter``.
_USAGE_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class PlainGroup(TyperGroup):
    """The ``spin-detect`` group: plain help, and Ctrl-C outside a command's own handling exits 130."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """The group's options (plain, as :class:`PlainCommand`), then its commands."""
        opts = [_option_record(p) for p in self.get_params(ctx) if not getattr(p, "hidden", False)]
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)
        self.format_commands(ctx, formatter)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        """The table of exit codes (:data:`EXIT_CODES`), after the commands."""
        with formatter.section("Exit codes"):
            formatter.write_dl([(str(code), text) for code, text in EXIT_CODES.items()])

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a Ctrl-C it did not handle ends with one line and exit code 130 (not click's 1)."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo("spin-detect: interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        """Run the app; a usage error (an unknown option, a bad or missing value) ends like every other error:
        one line, ``spin-detect: error: ...`` with where to look for help, exit code 2 (click prints its usage
        and ``Error: ...``). ``spin-detect`` alone still shows the help."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except _USAGE_ERROR as exc:
            err: Any = exc  # click's UsageError: format_message(), show(), ctx, exit_code
            if type(err).__name__ == "NoArgsIsHelpError":
                err.show()
            else:
                hint = f" (see '{err.ctx.command_path} -h')" if err.ctx is not None else ""
                message = " ".join(err.format_message().replace("Value error, ", "").split())
                typer.echo(f"spin-detect: error: {message}{hint}", err=True)
            sys.exit(err.exit_code)
        except typer.Abort:  # end of input at a prompt
            typer.echo("Aborted!", err=True)
            sys.exit(EXIT_FAILURE)
        except OSError as exc:  # what no command caught: writing the output (stdout on a full disk, /dev/full)
            with contextlib.suppress(OSError):  # the interpreter's last flush of stdout would fail again
                sys.stdout.flush()
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the process ends here
            with contextlib.suppress(OSError):
                typer.echo(f"spin-detect: error: cannot write the output ({exc.strerror or exc})", err=True)
            sys.exit(EXIT_FAILURE)
        sys.exit(rv if isinstance(rv, int) else 0)
