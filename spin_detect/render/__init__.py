"""Application: reports for people (terminal lines, HTML pages) from a report's data."""
