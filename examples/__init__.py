"""Small, real tasks the example jobs file (jobs.yml) runs as python jobs."""
