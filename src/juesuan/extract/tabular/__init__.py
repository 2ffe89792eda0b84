"""Tables: the grids of a report read into the national tables (公开01–09, 预算01–10) by role."""
