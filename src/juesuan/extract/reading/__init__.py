"""Reading a report's files: PDF text layers and ruled/unruled grids, OCR of scans, what a document says about itself."""
