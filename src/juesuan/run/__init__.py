"""The batch: which steps run where (executor), notebooks in warm kernels (kernels), and the
report-by-report schedule with its summary (batch)."""
