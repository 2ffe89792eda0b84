"""juesuan — parse, validate and report Chinese government final accounts (部门决算)."""

__version__ = "0.1.0"
