"""The HTML report: one self-contained file that always opens.

Everything is inline: CSS, plots as SVG (drawn by :mod:`labelcheck.report.plots`),
a few lines of optional JavaScript (open folded sections before printing). No
network resource of any kind (no CDN, web font or remote image), so it opens
offline, from an e-mail or a CI artifact. Only aggregates are shown, never
rows: the size grows with the number of columns, not rows (about 30 KB for a
few columns, 170 KB for 32, 190 KB for 300, where folding keeps it readable).

Reading order: the verdict (errors and warnings, the task and the label and
why), the findings with each rule's explanation and fix (what ``labelcheck
explain`` prints), the label plot, the feature scale plot, then a histogram
per flagged feature. ``fix --report`` adds the plan and before/after plots; a
reference split (``reference=``) adds its histograms, overlaid.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from labelcheck._version import __version__
from labelcheck.text import fmt, plural

if TYPE_CHECKING:
    from labelcheck.report import Report
    from labelcheck.rules.base import Finding

#: Per-feature histograms drawn at most (errors first); the others are listed.
MAX_HISTOGRAMS = 24
#: Thumbnails of flagged images and masks inlined per report at most.
MAX_THUMBS = 36
#: Image sizes listed per image column at most (the most frequent).
SIZES_SHOWN = 8
#: Which thumbnails of an image statistic show which rule's finding.
_THUMB_CODES = {"blank": "LC404", "rotated": "LC405", "wide": "LC403"}
_MASK_CODES = ("LC406", "LC407", "LC408", "LC409")
#: Findings of one code shown as rows; the rest fold into one expandable row.
SHOWN_PER_CODE = 4
_RANK = {"error": 2, "warning": 1, "info": 0}
_ICON = {"error": "✖", "warning": "▲", "info": "■"}


def e(value: Any) -> str:
    """Escaped text (data: column names, values, messages)."""
    return html.escape("" if value is None else str(value), quote=True)


def render_html(
    reports: Sequence[Report],
    *,
    before: Report | None = None,
    plan_text: str | None = None,
    reference: Report | None = None,
    title: str | None = None,
) -> str:
    """A complete HTML page for ``reports``.

    ``before`` (with ``plan_text``) is the scan before a fix: the page then
    shows the plan and before/after plots. ``reference`` is the split the
    reports were checked against: its class proportions and histograms are
    drawn beside theirs.
    """
    _need_matplotlib()
    sources = ", ".join(r.source for r in reports)
    head = title or (f"labelcheck fix: {sources}" if before else f"labelcheck: {sources}")
    body = []
    if len(reports) > 1:
        body.append(_toc(reports))
    for i, report in enumerate(reports):
        ref = reference or report.reference  # the split it was checked against, if any
        body.append(_report(report, f"r{i}", before=before, plan_text=plan_text, reference=ref))
    return _PAGE.format(title=e(head), css=_CSS, js=_JS, body="\n".join(body), version=__version__)


def fragment(report: Report) -> str:
    """The report as an HTML fragment (Jupyter's ``_repr_html_``): styles scoped, no page."""
    _need_matplotlib()
    return (
        f'<div class="labelcheck-report"><style>{_scoped_css()}</style>'
        f"{_report(report, 'nb' + str(id(report) % 100000), reference=report.reference)}</div>"
    )


def prepare() -> None:
    """Check that matplotlib is there, and start importing it in a background thread.

    Called before a scan whose report will be HTML: a missing matplotlib is an
    error before the data is read, not after. The import takes about half a
    second; started before a scan, it overlaps the scan (whose kernels release
    the GIL) instead of following it. The thread only imports: the first plot
    waits for it through the import lock.
    """
    import threading

    _need_matplotlib()
    from labelcheck.report.plots import warm_up

    threading.Thread(target=warm_up, name="labelcheck-import-matplotlib", daemon=True).start()


def _need_matplotlib() -> None:
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        from labelcheck.errors import InputError

        raise InputError(
            "the HTML report draws its plots with matplotlib, which is not installed: "
            "pip install 'labelcheck[html]'"
        )


# ------------------------------------------------------------------- sections
def _toc(reports: Sequence[Report]) -> str:
    items = "".join(
        f'<li><a href="#r{i}">{e(r.source)}</a> {_counts(r)}</li>' for i, r in enumerate(reports)
    )
    return f'<nav class="toc"><h2>Sources</h2><ul>{items}</ul></nav>'


def _report(
    report: Report,
    rid: str,
    *,
    before: Report | None = None,
    plan_text: str | None = None,
    reference: Report | None = None,
) -> str:
    from labelcheck.report import plots

    anchors = _anchors(report, rid)
    parts = [f'<section class="report" id="{rid}">', _verdict(report, before)]
    if before is not None:
        parts.append(_fix_section(before, report, plan_text, rid))
    parts.append(
        _findings(report, anchors, rid, heading="Findings" + (" after the fix" if before else ""))
    )
    if before is None:
        parts.append(_images(report, rid, plots))
    # After a fix the label and scale plots are in the before/after pairs already.
    parts.append(
        _plots(report, anchors, rid, reference=reference, plots=plots, overview=before is None)
    )
    parts.append("</section>")
    return "\n".join(parts)


def _counts(report: Report) -> str:
    s = report.summary
    return (
        f'<span class="count error">{_ICON["error"]} {plural(s["error"], "error")}</span> '
        f'<span class="count warning">{_ICON["warning"]} {plural(s["warning"], "warning")}</span> '
        f'<span class="count info">{_ICON["info"]} {s["info"]} info</span>'
    )


def _verdict(report: Report, before: Report | None) -> str:
    status, word = (
        ("fail", "Fails: this data would break training")
        if not report.ok
        else ("warn", "Passes, with warnings")
        if report.findings
        else ("pass", "Passes: no problems found")
    )
    if before is not None:
        word = f"After the fix: {word[0].lower()}{word[1:]}"
    plan = report.stats.plan
    n_feat = len(plan.features)
    facts = [
        f"<li><b>{report.rows:,}</b> rows, <b>{n_feat:,}</b> "
        f"feature{'s' if n_feat != 1 else ''}</li>"
    ]
    if before is not None:
        facts.insert(
            0, f"<li>Fixed from <code>{e(before.source)}</code> ({before.rows:,} rows)</li>"
        )
    if plan.label:
        facts.append(f"<li>Label <code>{e(plan.label)}</code> ({e(plan.label_reason)})</li>")
        facts.append(f"<li>Task: <b>{e(report.task.task)}</b> ({e(report.task.reason)})</li>")
    else:
        facts.append(f"<li>{e(plan.label_reason)}</li>")
    if report.stats.ignored_rows:
        facts.append(f"<li>{e(report.ignored_note())}</li>")
    mark = {"fail": "✖", "warn": "▲", "pass": "✔"}[status]
    return (
        f'<header class="verdict {status}"><p class="tool">labelcheck {e(__version__)} report'
        f" · <code>{e(report.source)}</code></p>"
        f'<h1><span class="mark" aria-hidden="true">{mark}</span> {e(word)}</h1>'
        f'<p class="counts">{_counts(report)}</p><ul class="facts">{"".join(facts)}</ul></header>'
    )


def _anchors(report: Report, rid: str) -> dict[str, str]:
    """Where each column's finding links: the label plot, or a feature's histogram."""
    out: dict[str, str] = {}
    if report.label:
        out[report.label] = f"{rid}-label"
    for i, name in enumerate(_hist_columns(report)):
        out[name] = f"{rid}-hist-{i}"
    return out


def _hist_columns(report: Report) -> list[str]:
    """Flagged numeric features to draw, errors first, at most ``MAX_HISTOGRAMS``."""
    features = report.stats.features()
    best: dict[str, int] = {}
    for f in report.findings:
        if f.column in features and features[f.column].hist is not None:
            best[f.column] = max(best.get(f.column, -1), _RANK[f.severity])
    order = {n: i for i, n in enumerate(features)}
    ranked = sorted(best, key=lambda n: (-best[n], order[n]))[:MAX_HISTOGRAMS]
    return sorted(ranked, key=order.__getitem__)


def _findings(report: Report, anchors: dict[str, str], rid: str, *, heading: str) -> str:
    if not report.findings:
        return f'<section class="findings"><h2>{e(heading)}</h2><p>No problems found.</p></section>'
    order = {name: i for i, name in enumerate(report.stats.columns)}
    findings = sorted(
        report.findings,
        key=lambda f: (-_RANK[f.severity], -1 if f.column is None else order.get(f.column, 0)),
    )
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    rows = []
    for f in findings:
        same = by_code[f.code]
        index = same.index(f)
        if len(same) > SHOWN_PER_CODE + 1 and index >= SHOWN_PER_CODE:
            if index == SHOWN_PER_CODE:
                rows.append(_folded_row(same[SHOWN_PER_CODE:], anchors, rid))
            continue
        rows.append(_row(f, anchors, rid))
    codes = list(dict.fromkeys(f.code for f in findings))
    return (
        f'<section class="findings"><h2>{e(heading)}</h2>'
        '<table><thead><tr><th scope="col">severity</th><th scope="col">rule</th>'
        '<th scope="col">column</th><th scope="col">problem</th><th scope="col">fix</th>'
        '<th scope="col">plot</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
        + '<h3>What the rules mean</h3><div class="rules">'
        + "".join(_rule_doc(code, rid) for code in codes)
        + "</div></section>"
    )


def _severity_cell(severity: str) -> str:
    icon = f'<span aria-hidden="true">{_ICON[severity]}</span>'
    return f'<td class="sev {severity}">{icon} {severity}</td>'


def _rule_cell(f: Finding, rid: str) -> str:
    return f'<td><a href="#{rid}-rule-{f.code}"><b>{f.code}</b></a> {e(f.name)}</td>'


def _plot_link(column: str | None, f: Finding, anchors: dict[str, str], rid: str) -> str:
    if column is not None and column in anchors:
        return f'<a href="#{anchors[column]}">plot</a>'
    if f.code in ("LC104", "LC306") or (column is not None and f.code.startswith("LC1")):
        return f'<a href="#{rid}-scale">scale plot</a>'
    return ""


def _row(f: Finding, anchors: dict[str, str], rid: str) -> str:
    column = f"<code>{e(f.column)}</code>" if f.column else "(dataset)"
    return (
        f'<tr class="{f.severity}">{_severity_cell(f.severity)}{_rule_cell(f, rid)}'
        f"<td>{column}</td><td>{e(f.message)}</td><td>{e(f.fix_title or '-')}</td>"
        f"<td>{_plot_link(f.column, f, anchors, rid)}</td></tr>"
    )


def _folded_row(rest: list[Finding], anchors: dict[str, str], rid: str) -> str:
    f = rest[0]
    items = "".join(
        f"<li><code>{e(r.column)}</code>: {e(r.message)} "
        f"{_plot_link(r.column, r, anchors, rid)}</li>"
        for r in rest
    )
    return (
        f'<tr class="{f.severity} folded">{_severity_cell(f.severity)}{_rule_cell(f, rid)}'
        f"<td>+{len(rest):,} more</td><td><details><summary>the same in {len(rest):,} more "
        f"columns</summary><ul>{items}</ul></details></td><td>{e(f.fix_title or '-')}</td>"
        f'<td><a href="#{rid}-scale">scale plot</a></td></tr>'
    )


def _rule_doc(code: str, rid: str) -> str:
    from labelcheck.rules import get_rule

    r = get_rule(code)
    fix = f"; default fix: {e(r.fix)}" if r.fix else ""
    body = r.doc.split("\n", 1)[1] if "\n" in r.doc else r.doc
    return (
        f'<details class="rule" id="{rid}-rule-{code}"><summary><b>{code}</b> {e(r.name)} '
        f"<small>(default severity: {r.severity}{fix})</small>: {e(r.summary)}</summary>"
        f"{markdown(body)}</details>"
    )


def markdown(text: str) -> str:
    """The small Markdown of rule docs: ## headings, paragraphs, - lists, fenced code, `code`."""
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []
    lines = text.strip().splitlines()
    i = 0

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in items) + "</ul>")
            items.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append(f"<pre><code>{e(chr(10).join(lines[i + 1 : j]))}</code></pre>")
            i = j + 1
            continue
        if line.startswith("## "):
            flush()
            out.append(f"<h4>{e(line[3:].strip())}</h4>")
        elif line.startswith("- "):
            if para:
                flush()
            items.append(line[2:].strip())
        elif not line.strip():
            flush()
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return "".join(out)


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    return "".join(
        f"<code>{e(p[1:-1])}</code>" if p.startswith("`") and p.endswith("`") else e(p)
        for p in parts
    )


# ---------------------------------------------------------------------- plots
def _marks(report: Report) -> dict[str, Any]:
    from labelcheck.report.plots import worst

    per: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.column is not None and f.column != report.label:
            per.setdefault(f.column, []).append(f)
    return {name: worst(fs) for name, fs in per.items()}


def _figure(anchor: str, svg: str, caption: str, alt: str, heading: str = "") -> str:
    head = f"<h3>{e(heading)}</h3>" if heading else ""
    return (
        f'<figure class="plot" id="{anchor}">{head}<div class="svg" role="img" '
        f'aria-label="{e(alt)}">{svg}</div><figcaption>{caption}</figcaption></figure>'
    )


def _label_plot(
    report: Report, anchor: str, plots: Any, title: str | None = None, heading: str = ""
) -> str:
    stats = report.stats.label
    if stats is None or report.label is None:
        return ""
    label_findings = [f for f in report.findings if f.column == report.label]
    regression = report.task.task == "regression"
    fig = plots.label_figure(
        stats, report.label, label_findings, title=title, regression=regression
    )
    if fig is None:
        return ""
    svg = plots.to_svg(fig)
    items = None if regression else stats.sorted_distinct()
    if items and len(items) <= plots.MAX_BARS:
        marked = [f"{f.code} ({', '.join(map(str, f.values[:8]))})" for f in label_findings
                  if f.code in plots.MARKED_CODES and f.values]  # fmt: skip
        caption = (
            f"Rows per class of <code>{e(report.label)}</code>, log scale. "
            "Hatched bars with a symbol are classes a rule flags"
            + (f": {e('; '.join(marked))}" if marked else "")
            + ". Shaded slots, if any, are gaps: class ids missing between their neighbours."
        )
    else:
        caption = (
            f"Distribution of <code>{e(report.label)}</code> (min {fmt(stats.min)}, max "
            f"{fmt(stats.max)}, mean {fmt(stats.mean)}, std {e(plots.std_text(stats))})."
        )
    return _figure(anchor, svg, caption, f"label plot of {report.label}", heading)


def _reference_classes(report: Report, reference: Report, anchor: str, plots: Any) -> str:
    """Class proportions of the split beside the reference's (LC304, LC305)."""
    mine, theirs = report.stats.label, reference.stats.label
    if mine is None or theirs is None or report.task.task == "regression":
        return ""
    items, ref_items = mine.sorted_distinct(), theirs.sorted_distinct()
    if not items or not ref_items:
        return ""
    fig = plots.proportions_figure(
        items, ref_items, title=f"label {report.label!r}: share of rows per class"
    )
    if fig is None:
        return ""
    caption = (
        f"Share of rows per class of <code>{e(report.label)}</code> in this split (solid) and "
        f"in the reference <code>{e(reference.source)}</code> (white, hatched). Classes the "
        "reference never has are marked ✖."
    )
    return _figure(anchor, plots.to_svg(fig), caption, "class shares against the reference",
                   "Classes against the reference")  # fmt: skip


def _scale_plot(
    report: Report, anchor: str, plots: Any, title: str | None = None, heading: str = ""
) -> str:
    marks = _marks(report)
    kwargs = {"title": title} if title else {}
    fig, hidden = plots.scale_figure(report.stats.features(), marks, **kwargs)
    if fig is None:
        return ""
    svg = plots.to_svg(fig)
    note = ""
    if hidden:
        names = ", ".join(hidden[:30]) + (
            f", ... ({len(hidden) - 30} more)" if len(hidden) > 30 else ""
        )
        flagged = sum(1 for n in hidden if n in marks)
        why = (
            f"{flagged:,} flagged, in the findings table; "
            f"{len(hidden) - flagged:,} without findings"
        )
        note = f" Not drawn, to keep the plot readable ({why}): {e(names)}."
    other = [n for n, s in report.stats.features().items() if s.kind not in ("numeric", "bool")]
    if other:
        note += f" Non-numeric features, not drawn: {e(', '.join(other[:30]))}."
    caption = (
        "Each feature's range (thin line, ticks at min and max) and mean ± std (thick bar) on one "
        "symmetric-log axis; the shaded band is unit scale. Flagged features are coloured, bold, "
        "marked with a symbol (✖ error, ▲ warning) and their rule codes; NaN and Inf counts are "
        "printed to the right." + note
    )
    return _figure(anchor, svg, caption, "feature scale plot", heading)


def _plots(
    report: Report,
    anchors: dict[str, str],
    rid: str,
    *,
    reference: Report | None,
    plots: Any,
    overview: bool = True,
) -> str:
    out = ['<section class="plots"><h2>Plots</h2>']
    if not overview and not _hist_columns(report):
        return ""
    with plots.style():
        if overview:
            out.append(_label_plot(report, f"{rid}-label", plots, heading="The label"))
        if reference is not None:
            out.append(_reference_classes(report, reference, f"{rid}-ref-label", plots))
        if overview:
            out.append(_scale_plot(report, f"{rid}-scale", plots, heading="Feature scales"))
        columns = _hist_columns(report)
        if columns:
            marks = _marks(report)
            features = report.stats.features()
            cells = [(anchors[n], n, features[n], marks.get(n)) for n in columns]
            ref = reference.stats.features() if reference is not None else None
            fig = plots.histograms_figure(cells, reference=ref)
            flagged = sum(1 for n in _marks(report) if n in features)
            more = (
                f" Showing {len(columns)} of {flagged:,} flagged features (errors first); "
                "the findings table lists the rest."
                if flagged > len(columns)
                else ""
            )
            sampled = [features[n].hist for n in columns if not features[n].hist.exact]
            sample = (
                f" Bars from a sample of about {max(h.sampled for h in sampled):,} values per "
                "column (a fixed number per batch); min, max, NaN and Inf counts are exact."
                if sampled
                else ""
            )
            caption = (
                "Histograms of the flagged features, each row over its own column's range "
                "(symlog x: a symmetric-log axis for columns whose range dwarfs their spread; "
                "log counts: when one bin dwarfs the rest)."
                + sample
                + (" Dashed: the reference split, scaled to the same rows." if ref else "")
                + more
            )
            out.append(
                f'<figure class="plot" id="{rid}-hists"><h3>Flagged features</h3>'
                f'<div class="svg" role="img" '
                f'aria-label="histograms of flagged features">{plots.to_svg(fig)}</div>'
                f"<figcaption>{caption}</figcaption></figure>"
            )
    out.append("</section>")
    return "\n".join(out)


def _images(report: Report, rid: str, plots: Any) -> str:
    """Image and mask columns: layouts, formats and sizes, per-channel histograms, and
    thumbnails of the flagged files (taken by the statistic at scan time)."""
    stats = report.stats
    columns = [*stats.of_kind("image").items(), *stats.of_kind("mask").items()]
    if not columns:
        return ""
    out = ['<section class="images"><h2>Images</h2>']
    budget = MAX_THUMBS
    for i, (name, col) in enumerate(columns):
        files = getattr(col, "files", col)  # a mask column's files are an ImageStats
        findings = [f for f in report.findings if f.column == name]
        out.append(f'<h3 id="{rid}-img-{i}">{"Masks" if files.masks else "Images"} '
                   f"<code>{e(name)}</code></h3>")  # fmt: skip
        out.append(_image_table(files))
        with plots.style():
            fig = plots.channels_figure(files.channels, f"{name}: pixels per value and channel")
            if fig is not None:
                out.append(_figure(f"{rid}-chan-{i}", plots.to_svg(fig),
                    "Share of pixels per value, per channel, over every decoded file (exact "
                    "counts; log scale).", f"per-channel histograms of {name}"))  # fmt: skip
        shown, budget = _thumbs(files, findings, budget)
        out.append(shown)
    out.append("</section>")
    return "\n".join(out)


def _image_table(files: Any) -> str:
    def counts(items: dict[str, int]) -> str:
        ranked = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"{e(k)} {v:,}" for k, v in ranked) or "-"

    sizes = files.sizes
    if sizes is None:
        size_text = "too many distinct sizes to list"
    else:
        ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
        size_text = counts(dict(ranked[:SIZES_SHOWN]))
        if len(ranked) > SIZES_SHOWN:
            size_text += f" and {len(ranked) - SIZES_SHOWN:,} other sizes"
    rows = [
        ("files", f"{files.images:,} ({files.decoded:,} decoded, {files.failed:,} unreadable)"),
        ("layouts (modes)", counts(files.modes)),
        ("formats", counts(files.formats)),
        ("sizes (W x H)", size_text),
    ]
    if files.folders:
        rows.append(("images per folder", counts({k or "(top)": v[0]
                                                  for k, v in files.folders.items()})))  # fmt: skip
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="facts-table">{body}</table>'


def _thumbs(files: Any, findings: Sequence[Finding], budget: int) -> tuple[str, int]:
    """Thumbnails of the files behind ``findings``, at most ``budget``; unreadable files by
    name (they have no pixels)."""
    codes = {f.code for f in findings}
    wanted: list[tuple[str, str]] = []  # (reason text, thumbnail key)
    if files.masks:
        if codes & set(_MASK_CODES):
            wanted.append(("masks (class ids in the VOC colour map)", "mask"))
    else:
        for key, code in _THUMB_CODES.items():
            if code in codes:
                wanted.append((f"{code}: {key}", key))
        if "LC402" in codes and files.modes:
            majority = max(files.modes.items(), key=lambda kv: kv[1])[0]
            wanted += [(f"LC402: mode {m}", f"mode:{m}") for m in sorted(files.modes)
                       if m != majority]  # fmt: skip
    cells = []
    for reason, key in wanted:
        for path, uri in files.thumbs.get(key, []):
            if budget <= 0:
                break
            budget -= 1
            cells.append(
                f'<figure class="thumb"><img src="{e(uri)}" alt="{e(path)}" '
                f'title="{e(path)}"><figcaption>{e(reason)}<br><code>{e(path)}</code>'
                "</figcaption></figure>"
            )
    out = ""
    if cells:
        out += f'<div class="thumbs">{"".join(cells)}</div>'
    if "LC401" in codes and files.failures:
        items = "".join(f"<li><code>{e(p)}</code>: {e(r)}</li>" for p, r in files.failures[:8])
        more = files.failed - min(len(files.failures), 8)
        tail = f"<li>and {more:,} more (every one in the JSON report)</li>" if more > 0 else ""
        out += "<p>Unreadable files (no pixels to show):</p>"
        out += f'<ul class="unreadable">{items}{tail}</ul>'
    return out, budget


def _fix_section(before: Report, after: Report, plan_text: str | None, rid: str) -> str:
    from labelcheck.report import plots

    rows_in, rows_out = before.rows, after.rows
    steps = (
        "<ol>"
        + "".join(f"<li>{e(line)}</li>" for line in (plan_text or "").splitlines() if line)
        + "</ol>"
        if plan_text
        else "<p>Nothing to fix.</p>"
    )
    b = before.summary
    out = [
        f'<section class="fix"><h2>The fix</h2><p>Before: {plural(b["error"], "error")}, '
        f"{plural(b['warning'], 'warning')} in <b>{rows_in:,}</b> rows. After: "
        f"{_counts(after)} in <b>{rows_out:,}</b> rows ({rows_in - rows_out:,} dropped).</p>"
        f"<h3>Plan</h3>{steps}",
        '<div class="pair">',
    ]
    with plots.style():
        out.append(
            _label_plot(before, f"{rid}-before-label", plots, title="before: rows per class")
        )
        out.append(_label_plot(after, f"{rid}-label", plots, title="after: rows per class"))
        out.append("</div>")
        out.append(_scale_plot(before, f"{rid}-before-scale", plots,
                               title="before: feature scales (symmetric-log axis)"))  # fmt: skip
        out.append(_scale_plot(after, f"{rid}-scale", plots,
                               title="after: feature scales (symmetric-log axis)"))  # fmt: skip
    out.append(_findings(before, {}, f"{rid}-before", heading="Findings before the fix"))
    out.append("</section>")
    return "\n".join(out)


# ------------------------------------------------------------------ page, CSS
_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="labelcheck {version}">
<title>{title}</title>
<style>{css}</style></head>
<body><main class="labelcheck-report">
{body}
<footer><p>Made by labelcheck {version}. Statistics only, no rows of the data.
<code>labelcheck explain CODE</code> prints a rule's documentation.</p></footer>
</main>
<script>{js}</script>
</body></html>
"""

_JS = (
    # Folded sections print open; nothing else needs script.
    "addEventListener('beforeprint',function(){"
    "document.querySelectorAll('details').forEach(function(d){d.open=true;});});"
)

_CSS = """
:root{--fg:#1b1b1b;--bg:#ffffff;--muted:#555;--line:#d0d0d0;--panel:#f5f5f5;
--error:#b33c00;--warning:#8a5a00;--info:#1d6fa0;--pass:#0b6e4f;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#141414;--muted:#aaa;
--line:#444;--panel:#222;--error:#ff8a5c;--warning:#ffc04d;--info:#7cc4f0;--pass:#5ad1a4}
.labelcheck-report .svg svg{filter:invert(0.92) hue-rotate(180deg)}}
body{margin:0;background:var(--bg);color:var(--fg)}
.labelcheck-report{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
max-width:1100px;margin:0 auto;padding:1rem 1.5rem;color:var(--fg)}
.labelcheck-report h1{font-size:1.5rem;margin:.2rem 0}
.labelcheck-report h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;
margin-top:2rem}
.labelcheck-report h3{font-size:1rem}
.labelcheck-report h4{font-size:.95rem;margin:.8rem 0 .2rem}
.labelcheck-report code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;
font-size:.9em;background:var(--panel);padding:0 .2em;border-radius:3px}
.labelcheck-report pre{background:var(--panel);padding:.5rem;overflow-x:auto}
.labelcheck-report pre code{background:none;padding:0}
.labelcheck-report a{color:var(--info)}
.verdict{border-left:6px solid var(--line);padding:.6rem 1rem;background:var(--panel)}
.verdict.fail{border-color:var(--error)}.verdict.warn{border-color:var(--warning)}
.verdict.pass{border-color:var(--pass)}
.verdict.fail .mark{color:var(--error)}.verdict.warn .mark{color:var(--warning)}
.verdict.pass .mark{color:var(--pass)}
.verdict .tool{margin:0;color:var(--muted);font-size:.85rem}
.verdict .facts{margin:.3rem 0 0;padding-left:1.2rem}
.count{margin-right:1rem;font-weight:600}
.thumbs{display:flex;flex-wrap:wrap;gap:.5rem}
.thumb{margin:0;width:8.5rem;font-size:.75rem;overflow-wrap:anywhere}
.thumb img{display:block;max-width:64px;max-height:64px;image-rendering:pixelated;
border:1px solid var(--line)}
.facts-table th{text-align:left;white-space:nowrap;width:10rem}
.count.error,.sev.error{color:var(--error)}.count.warning,.sev.warning{color:var(--warning)}
.count.info,.sev.info{color:var(--info)}
.sev{font-weight:700;white-space:nowrap}
.labelcheck-report table{border-collapse:collapse;width:100%;font-size:.9rem}
.labelcheck-report th,.labelcheck-report td{border-bottom:1px solid var(--line);
padding:.3rem .45rem;text-align:left;vertical-align:top}
.labelcheck-report th{background:var(--panel)}
.labelcheck-report tr.error td:first-child{border-left:4px solid var(--error)}
.labelcheck-report tr.warning td:first-child{border-left:4px solid var(--warning)}
.labelcheck-report tr.info td:first-child{border-left:4px solid var(--info)}
details.rule{border:1px solid var(--line);border-radius:4px;padding:.3rem .6rem;margin:.3rem 0}
details.rule summary{cursor:pointer}
.plot{margin:1.2rem 0;break-inside:avoid;page-break-inside:avoid}
.plot .svg{background:#fff;border:1px solid var(--line);border-radius:4px;padding:.3rem;
overflow-x:auto}
.plot figcaption{font-size:.85rem;color:var(--muted);margin-top:.3rem}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
.toc ul{padding-left:1.2rem}
footer{margin-top:2rem;color:var(--muted);font-size:.8rem;border-top:1px solid var(--line)}
:target{outline:3px solid var(--info);outline-offset:3px}
@media (prefers-color-scheme:dark){.plot .svg{background:#181818}}
@media print{:root{--fg:#000;--bg:#fff;--muted:#333;--line:#999;--panel:#f2f2f2;
--error:#000;--warning:#000;--info:#000;--pass:#000}
.labelcheck-report .svg svg{filter:none}.plot .svg{background:#fff;border:none}
.labelcheck-report{max-width:none;padding:0;font-size:11pt}a{color:#000;text-decoration:none}
.report{break-before:page}.report:first-child{break-before:auto}
tr{break-inside:avoid}}
"""


def _scoped_css() -> str:
    """The page CSS for a notebook cell: page-level rules (body, :root) left out."""
    css = _CSS.replace("body{margin:0;background:var(--bg);color:var(--fg)}", "")
    return css.replace(":root{", ".labelcheck-report{")
