"""The sandbox: a local Slack workspace in the browser that the real bot connects to, as it would to Slack.

`fake_slack` is the Slack-compatible server (Web API, Socket Mode, response_url; the tests use it too),
`people` who is in the workspace, `snapshot` what one person sees, `page` the browser's routes, and
`workspace.Sandbox` starts it all and says how schedops' settings change for the run.
"""
