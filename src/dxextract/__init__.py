"""dxextract: Japanese municipal report PDFs to validated, comparable open data.

Coordinates everywhere are PDF points with pdfplumber's origin: top-left of the page,
``x`` growing right and ``top``/``bottom`` growing down. Pages are 1-based.
"""

__version__ = "0.1.0"
