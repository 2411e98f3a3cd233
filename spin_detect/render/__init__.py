"""Application: HTML reports for people from a report's data.

:mod:`.html` makes the pages (one scored document, an audit summary) on the
frame of :mod:`.page`; the terminal lines are printed by :mod:`spin_detect.cli.console`.
"""
