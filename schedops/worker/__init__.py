"""Runs on other machines through Celery: the app and task a `schedops worker` serves, and the leader's side
that sends runs to it. Imported only when SCHEDOPS_EXECUTION=celery or by `schedops worker`: nothing else
pays for importing Celery."""
