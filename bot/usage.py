"""How each slash command is used: one text per command, read by the parser (shown with every parse error) and
by the help views. manifest.yml's usage hints say the same in Slack's own autocomplete."""

SITREP_USAGE = "`/sitrep` (the whole picture) · `/sitrep JOB_ID` (one job) · `/sitrep help`"
FIXIT_USAGE = "`/fixit [conservative|balanced|greedy] [--dry-run] [--max-retries N] [--window 24h] [--job ID ...]`"
JOBS_USAGE = (
    "`/jobs` or `/jobs list [PAGE]` · `/jobs mine` · `/jobs show ID` · `/jobs history ID [N]` · `/jobs run ID` · "
    "`/jobs pause ID` · `/jobs resume ID` · `/jobs new` · `/jobs edit ID` · `/jobs remove ID` · "
    "`/jobs export` · `/jobs next CRON [TZ]` · `/jobs help`"
)
