"""a3c-report: runs and sweeps read back from their directories into tables and curves. Beside the command lines: reads what runs leave, never starts one."""
