"""The impact report for city staff: `python -m bot report --since 30d --out report/`.

Reads only anonymous figures (storage.reports) and writes `index.html` with PNG charts beside it.
"""

from bot.report.build import ReportError, build_report, parse_since, report_command

__all__ = ["ReportError", "build_report", "parse_since", "report_command"]
