"""Report pages whose charts the reader's browser draws.

A report rendered by the batch (the report notebook's ``charts="page"``) carries each chart as
its Vega-Lite spec (:func:`workbook.charts.render.page_figure_html`); :func:`with_page_charts`
adds, once per page, the Vega bundle vl-convert makes and a short script that draws every spec
into its figure's image. The page stays one file that loads nothing. :func:`static_page` turns
such a page into the one with SVG images drawn here (vl-convert), which is what the PDF prints.

Nothing here imports Altair: the batch's workers export pages without it.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

from ..files import atomic_replace

#: A figure whose chart the reader's browser draws (:func:`workbook.charts.render.page_figure_html`):
#: its Vega-Lite spec waits in the figure, and :func:`page_chart_script` draws it into the image.
#: (Attributes in any order: nbconvert's pass over the page sorts them.)
PAGE_FIGURE = re.compile(
    r'<figure\b[^>]*\bdata-wb-chart="page"[^>]*>[^<]*(?:<img\b[^>]*>)?[^<]*'
    r'<script\b[^>]*\bclass="wb-chart-spec"[^>]*>(?P<spec>[^<]*)</script>.*?</figure>',
    re.S,
)


def static_page(html: str) -> str:
    """``html`` with every page figure replaced by the
    :func:`~workbook.charts.render.figure_html` figure of the same spec, and without the scripts
    :func:`with_page_charts` added: the page with its charts drawn here, as SVG images (what the
    PDF prints: the same page a report drawn with ``charts="static"`` gives)."""
    from ..charts.render import figure_html

    html = _PAGE_SCRIPTS.sub("", html, count=1)
    return PAGE_FIGURE.sub(lambda m: figure_html(json.loads(m.group("spec"))), html)


#: What :func:`with_page_charts` adds (the bundle holds no ``</script``: see :func:`page_chart_script`).
_PAGE_SCRIPTS = re.compile(r'<script id="wb-vega">.*?</script>\n<script id="wb-page-charts">.*?</script>\n', re.S)


#: Draws every page figure's chart: vega-embed compiles the spec, Vega renders it to SVG (no
#: canvas, no network), and the SVG becomes the figure's image, sized as a static figure's is
#: (``--wb-chart-width``, which the page's styles use on a phone).
#: A chart that cannot be drawn says so in place of the image. When all are done, the page's
#: root element has ``data-wb-charts="drawn"`` (for whoever waits for them: the tests).
PAGE_CHART_JS = """
(async () => {
  // vega-embed compiles the Vega-Lite spec and runs the Vega view, which draws nothing itself
  // Vega-Lite's warnings about a spec go to the console only when they are errors
  const quiet = {level: () => quiet, warn: () => quiet, info: () => quiet, debug: () => quiet,
                 error: (...args) => { console.error(...args); return quiet; }};
  const OPTIONS = {actions: false, renderer: "none", defaultStyle: false, logger: quiet};
  for (const node of document.querySelectorAll("figure[data-wb-chart=page] > script.wb-chart-spec")) {
    const img = node.parentElement.querySelector("img.wb-chart");
    try {
      const embedded = await vegaEmbed(document.createElement("div"), JSON.parse(node.textContent), OPTIONS);
      const drawn = await embedded.view.toSVG();
      embedded.finalize();
      const width = /<svg\\b[^>]*?\\bwidth="([0-9.]+)"/.exec(drawn);
      if (width) img.style.setProperty("--wb-chart-width", width[1] + "px");
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(drawn);
      img.hidden = false;
    } catch (error) {
      const box = document.createElement("p");
      box.className = "wb-status-error";
      box.textContent = "This chart could not be drawn: " + (error && error.message ? error.message : error);
      img.replaceWith(box);
    }
  }
  document.documentElement.dataset.wbCharts = "drawn";  // every chart drawn, or its error shown
})();
"""

_BUNDLE_CACHE_ENV = "XDG_CACHE_HOME"


#: What the bundle runs: vega-embed under its usual global name (the bundle's own name for it).
_BUNDLE_SNIPPET = "window.vegaEmbed = vegaEmbed;"


def _bundle_cache() -> Path:
    from importlib.metadata import version

    base = os.environ.get(_BUNDLE_CACHE_ENV) or str(Path.home() / ".cache")
    return Path(base) / "alliance-workbook" / f"vega-embed-{version('vl-convert-python')}.js"


@functools.cache
def page_chart_script() -> str:
    """The ``<script>`` elements a page of page figures needs: Vega, Vega-Lite
    and vega-embed as vl-convert bundles them (about 900 KB, inline: the page stays one file and
    loads nothing), then :data:`PAGE_CHART_JS`.

    Bundling takes vl-convert a second and a half; the bundle is kept in the user's cache folder
    (``$XDG_CACHE_HOME`` or ``~/.cache``, ``alliance-workbook/``), one per vl-convert version, so
    a machine bundles it once."""
    import vl_convert

    cached = _bundle_cache()
    try:
        bundle = cached.read_text(encoding="utf-8")
    except OSError:
        bundle = ""
    if "window.vegaEmbed=" not in bundle:  # missing, or not the bundle: made again
        bundle = str(vl_convert.javascript_bundle(_BUNDLE_SNIPPET))
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            atomic_replace(cached, bundle)
        except OSError:
            pass  # made again by the next process
    # `</script` would end the element early (none in vl-convert's bundle; `<\/` means the same)
    bundle = re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.I)
    return f'<script id="wb-vega">{bundle}</script>\n<script id="wb-page-charts">{PAGE_CHART_JS}</script>\n'


def with_page_charts(html: str) -> str:
    """``html`` with :func:`page_chart_script` before its last ``</body>`` when it holds page
    figures (else unchanged). Text from a params file is escaped in the page, so only the
    figures :func:`~workbook.charts.render.page_figure_html` wrote hold the attribute looked for."""
    if 'data-wb-chart="page"' not in html:
        return html
    end = html.rfind("</body>")
    end = len(html) if end < 0 else end
    return html[:end] + page_chart_script() + html[end:]


__all__ = ["PAGE_CHART_JS", "PAGE_FIGURE", "page_chart_script", "static_page", "with_page_charts"]
