"""The `gongkai` command line: every clerk, department, counsel and leader action, in Chinese."""
