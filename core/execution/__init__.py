"""Where a recorded run is carried out: in this process (local) or on a worker that claims it (remote)."""
