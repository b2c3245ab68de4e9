"""Tables from pages: ruled grids, tables ruled only horizontally, tables without rules, cell text, stitching."""
