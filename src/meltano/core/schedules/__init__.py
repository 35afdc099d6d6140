"""Jobs (named task lists for `meltano run`) and schedules (when to run a job or an ELT pair)."""
