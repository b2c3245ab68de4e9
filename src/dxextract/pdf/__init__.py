"""Reading PDFs: characters and ruling lines (pdfplumber, pypdfium2), page images, OCR."""
