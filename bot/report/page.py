"""The report as one self-contained HTML page (inline styles, charts beside it as PNG files)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

from bot.report.figures import Figures, Labels, percentile

MAX_QUESTIONS = 100
STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
 color:#1d1d1d;max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:1.7em;margin:0 0 4px}h2{margin-top:2em;border-bottom:2px solid #e0e0e0}
.muted{color:#666}.cards{display:grid;gap:12px;margin:18px 0;
 grid-template-columns:repeat(auto-fit,minmax(140px,1fr))}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:1.6em}
table{border-collapse:collapse;width:100%;margin:10px 0}
th,td{border-bottom:1px solid #e6e6e6;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto;display:block;margin:10px 0}
footer{margin-top:3em;font-size:.9em;color:#555;border-top:1px solid #ddd;padding-top:10px}
"""


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int],
           empty: str) -> str:
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                         for i, cell in enumerate(row)) + "</tr>\n" for row in rows)
    if not body:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def _img(charts: dict[str, Path], name: str, alt: str) -> str:
    if name not in charts:
        return ""
    return f'<img src="{escape(charts[name].name)}" alt="{escape(alt)}">'


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _card(value: str, label: str) -> str:
    return f'<div class="card"><b>{escape(value)}</b>{escape(label)}</div>'


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def render(figures: Figures, charts: dict[str, Path], generated: dt.datetime,
           labels: Labels) -> str:
    f, h = figures, figures.handoffs
    period = f"{f.since:%d %b %Y} – {f.until:%d %b %Y}"
    langs = [row.lang for row in f.languages]
    cards = "".join([
        _card(f"{f.messages:,}", "messages"),
        _card(_share(f.answered, f.messages), "answered"),
        _card(str(len(f.languages)), "languages"),
        _card(f"{f.unanswered_total:,}", "questions not answered"),
        _card(f"{h.opened:,}", "requests for a person"),
        _card(_minutes(percentile(h.claim_seconds, 0.5)), "median wait for a person"),
    ])
    topics = _table(
        ["Topic", "Messages", *(Labels.language(lang) for lang in langs)],
        ([escape(t.label), str(t.total), *(str(t.by_lang.get(lang, 0)) for lang in langs)]
         for t in f.topics), set(range(1, len(langs) + 2)), "No questions in this period.")
    languages = _table(
        ["Language", "Messages", "Answered"],
        ([escape(Labels.language(r.lang)), str(r.messages), f"{100 * r.share:.0f} %"]
         for r in f.languages), {1, 2}, "No messages in this period.")
    questions = _table(
        ["Question (scrubbed)", "Language", "Times", "Closest topic", "Last asked"],
        ([f'<span dir="auto">{escape(q.text)}</span>', escape(Labels.language(q.lang)),
          str(q.count), escape(labels.route(q.best_route)), f"{q.last_day:%d %b}"]
         for q in f.questions[:MAX_QUESTIONS]), {2},
        "The bot answered every question in this period.")
    entries = _table(
        ["Entry", "Not helpful", "Helpful", "Not helpful share"],
        ([escape(e.label), str(e.down), str(e.up), _share(e.down, e.up + e.down)]
         for e in f.entries[:20] if e.down), {1, 2, 3},
        "Nobody marked an entry as not helpful in this period.")
    waits = _table(
        ["", "Median", "90 % within"],
        [["Time until a caseworker took the request", _minutes(percentile(h.claim_seconds, .5)),
          _minutes(percentile(h.claim_seconds, .9))],
         ["… for urgent requests", _minutes(percentile(h.urgent_claim_seconds, .5)),
          _minutes(percentile(h.urgent_claim_seconds, .9))],
         ["Time until the request was closed", _minutes(percentile(h.close_seconds, .5)),
          _minutes(percentile(h.close_seconds, .9))]], {1, 2}, "")
    by_topic = _table(
        ["Topic", "Requests", "Median wait"],
        ([escape(label), str(n), _minutes(m * 60 if m is not None else None)]
         for label, n, m in h.by_topic), {1, 2}, "No requests for a person in this period.")
    waiting = (f"<p><b>Waiting right now:</b> {len(h.waiting_now)} request(s), the longest for "
               f"{_minutes(max(w.seconds for w in h.waiting_now))}.</p>"
               if h.waiting_now else "<p>Nobody is waiting for a caseworker right now.</p>")
    rating = (f" Average rating of the help: {sum(h.ratings) / len(h.ratings):.1f} / 5 "
              f"({len(h.ratings)} ratings)." if h.ratings else "")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Arrival impact report, {escape(period)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>What newcomers asked Arrival</h1>
<p class="muted">{escape(period)} · cities: {escape(", ".join(f.cities) or "–")} ·
generated {generated:%d %b %Y %H:%M} UTC</p>
</header>
<section class="cards">{cards}</section>

<section id="topics"><h2>Top topics by language</h2>
{_img(charts, "topics", "Bar chart: the most asked topics, split by language")}
{topics}
{languages}
</section>

<section id="unanswered"><h2>Questions the bot could not answer</h2>
<p>Write new content for these. Numbers, e-mail addresses, links and names were removed before
they were stored ([number], [email], [link], [name]); nothing links them to the person who
asked.</p>
{questions}
</section>

<section id="feedback"><h2>Entries with the worst feedback</h2>
<p>Entries people marked as not helpful most often, weighed by how many voted.</p>
{_img(charts, "feedback", "Bar chart: helpful and not helpful votes per entry")}
{entries}
</section>

<section id="handoffs"><h2>Requests for a person</h2>
<p>{h.opened} requests, {h.urgent} urgent; {h.claimed} taken by a caseworker, {h.closed}
closed.{escape(rating)}</p>
{waiting}
{waits}
{_img(charts, "handoffs", "Histogram: minutes until a caseworker took the request")}
{by_topic}
</section>

<section id="daily"><h2>Messages per day</h2>
{_img(charts, "daily", "Bar chart: answered and not answered messages per day")}
</section>

<footer>This report holds no personal data: message counts are anonymous, questions are
scrubbed and unlinked, and requests for a person are counted without who made them. Small
numbers can still be telling in a small community: share this page with care.</footer>
</body>
</html>
"""
