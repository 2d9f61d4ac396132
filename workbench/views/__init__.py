"""Views: what investigators, analysts and case teams see.

``snapshot`` writes a self-contained, offline HTML file; ``diagram`` draws PNG/SVG/PDF;
``files`` writes GraphML, GEXF and CSV; ``layout``, ``style`` and ``redact`` serve them all.
Every view takes a :class:`~workbench.views.model.ViewModel`.
"""

from .model import ViewModel

__all__ = ["ViewModel"]
