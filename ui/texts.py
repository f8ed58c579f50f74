"""Every message the app shows, in one place (the library's own live in sim/messages.py)."""

LINK_UNKNOWN_CASE = "The link names a case that does not exist ({case}); showing the default case."
LINK_BAD_NUMBER = "The link's {name} is not usable here ({value!r}); using the default."
LINK_BAD_KNOBS = "A setting in the link was not applied: {error}"
LINK_KEY_IGNORED = (
    "The link's {key!r} was ignored: a link sets only the case, the seed, the fleet size and "
    "the case's own knobs."
)
LINK_VALUE_TOO_LONG = "The link's {key!r} was ignored: a value has at most {limit} characters."
RUN_FIRST = "Run the fleet first: the analysis needs a simulated run of the current settings."
RUN_TOO_BIG = (
    "This run is bigger than this server runs for one person: {devices:,} devices x {days} days "
    "= {device_days:,} device-days (at most {cap:,}) keeping {rows:,} raw report rows (at most "
    "{row_cap:,}). Choose fewer devices or fewer days, or run it with python -m sim run."
)
RUN_FAILED = "The run failed: {error}. Change the setting it names, or reset the knobs."
UNEXPECTED = (
    "Something went wrong ({kind}: {detail}). Try a smaller fleet or reset the knobs; if it "
    "keeps happening, note the link and report it."
)
UPLOAD_FAILED = "That file cannot be analysed: {error}"
READING_MISSING = "{what} is not available for this run: {reason}."
DOWNLOAD_RUN = "Download this run"
DOWNLOAD_RUN_HELP = (
    "A zip of the run's tables as CSV and Parquet (the raw daily reports as they arrived, "
    "duplicates and all), a data dictionary, the case file and a starter notebook that "
    "reproduces the primary metric's lift. The truth is not in it."
)

# The SQL workbench page.
SQL_INTRO = (
    "Ask the run's tables your own questions in SQL: devices, the raw daily reports, the day x "
    "arm sums, the rollout timeline and the daily rollout. Read-only: each query gets {seconds:g} "
    "seconds and shows at most {rows:,} rows, and nothing outside these tables (files, URLs, "
    "extensions, settings, the truth) can be reached."
)
SQL_EXAMPLE = "Start from an example"
SQL_QUERY = "Query"
SQL_RUN = "Run the query"
SQL_REFUSED = "The workbench did not run that query:"
SQL_TABLES = "What is in each table"
DECISION_INVALID = "The decision cannot be scored: {error}"
BUDGET_OVER = "Over budget: {days} days from hypothesis to full rollout (the rule is {budget})."
BUDGET_OK = "Within budget: {days} days from hypothesis to full rollout (the rule is {budget})."

# Study groups (the Study group page; the store's own messages live in sim/messages.py).
ROOM_FAILED = "Study group: {error}."
ROOM_INTRO = (
    "Run one seeded case together: a facilitator starts a room, everyone joins with its code, "
    "runs the same fleet and submits a call; the facilitator reveals the truth and the board."
)
ROOM_JOINED = (
    "You are in room {code}. The sidebar now holds the room's case, seed, fleet size "
    "and knobs: run the fleet, analyse it, then submit your call here."
)
ROOM_CREATED = (
    "Room {code} is open. Share the join link (or read the code aloud); keep the facilitator "
    "link to yourself: it is the only way to reveal."
)
ROOM_TOKEN_BAD = (
    "That facilitator link is not valid for room {code}; you can still join it as a member."
)
ROOM_CASE_MISSING = "room {code} uses the case {case!r}, which this app does not have"
ROOM_SETTINGS_UNUSABLE = "room {code}'s settings do not fit this app: {detail}"
ROOM_RUN_FIRST = (
    "Run the fleet with the room's settings first (the Run page), then come back to submit."
)
ROOM_SETTINGS_DIFFER = (
    "Your sidebar no longer matches the room's settings, so your run is not the room's run."
)
ROOM_REJOINED = "Welcome back, {name}: you are in room {code} again."
ROOM_REMOVED = "{name} is no longer in the room."
ROOM_REJOIN_HELP = (
    "Your personal rejoin link brings you back as the same member from any browser. Keep it "
    "to yourself: whoever has it can submit as you."
)
ROOM_SUBMITTED = "Submitted. You can change your call until the facilitator reveals."
ROOM_REVEALED = "Revealed: the truth and everyone's scorecards are on the board below."
ROOM_WAITING = "{submitted} of {members} members have submitted."
ROOM_NOBODY = "Nobody has joined yet. Share the join link or read the code aloud."
ROOM_DB_DOWN = "The board cannot be refreshed: {error}. It will try again in a few seconds."
SCORE_AFTER_REVEAL = (
    "Decision saved. You are in study group {code}: your score and the truth appear when the "
    "facilitator reveals them to everyone."
)

# The metric lab (the Learn page); each demo's explanation is two sentences.
LAB_INTRO = (
    "Replay simulated launches many times over to see how the statistics behave: every chart "
    "below is a sweep of seeded runs, and the truth of each run is known."
)
LAB_RUNS = (
    "{runs:,} replications per setting ({total:,} simulated fleets of {devices:,} devices). "
    "More replications narrow the shaded 95% bands."
)
LAB_MORE = "Run more replications ({runs:,} → {more:,})"
LAB_MORE_HELP = "Doubles the replications; the ones already run come from the cache."
LAB_MAX = "That is as many replications as this page runs; use `python -m sim sweep` for more."
LAB_FAILED = "The demo could not be computed: {error}"
LAB_TEXTS = {
    "peeking": (
        "Check a fixed-horizon 95% interval every day and {fixed:.0%} of these {runs:,} A/A "
        "fleets look significant at least once in {days} days, against {single_look:.0%} when "
        "you look once at the end. The always-valid confidence sequence is built to be checked "
        "every day and stays at {sequential:.0%}, within the {alpha:.0%} you signed up for "
        "(dashed line)."
    ),
    "power": (
        "With a true {effect:+.0%} lift in sessions on {devices:,} devices, the plain difference "
        "in means has {plain_at_budget:.0%} power at day {budget_day} and CUPED "
        "{cuped_at_budget:.0%} (the dotted line is the {budget}-day budget, the dashed one 80% "
        "power). Running longer adds days, not devices: when devices differ far more than days "
        "do, extra days barely help, while CUPED removes the device-to-device spread that the "
        "pre-period baseline predicts."
    ),
    "cuped": (
        "Across {runs:,} runs the CUPED interval is {width_ratio:.0%} as wide as the plain one "
        "(the pre-period baseline explains {variance_reduction:.0%} of the variance), and both "
        "still cover the true effect (black ticks) about as often: {coverage_plain:.0%} and "
        "{coverage_cuped:.0%} of 95% intervals. Narrower intervals from the same devices mean "
        "smaller detectable effects, or the same power sooner."
    ),
    "srm": (
        "When failed installs stop reporting, treatment loses phones that control keeps: with "
        "all of them silent the sample-ratio check alarms in {alarm_worst:.0%} of runs, and "
        "{lift_worst:.0%} show a significant lift in sessions (mean {mean_lift_worst:+.1%}) "
        "although the true effect is zero. The missing phones are mostly entry-tier phones of "
        "light users, so the survivors look more engaged: trust no lift until the SRM is "
        "explained."
    ),
    "simpson": (
        "Compare the phones that installed the update with control and the pooled difference is "
        "{pooled:+.1f} sessions per device, yet weighted tier by tier it is {adjusted:+.1f}: the "
        "build costs {effect_abs:.0%} of sessions where it runs. Installs fail most on "
        "{low_tier} phones, the lightest users, so they are {low_share_on_build:.0%} of the "
        "phones on the build against {low_share_control:.0%} of control; compare the randomised "
        "arms, or tier by tier, and the paradox goes away."
    ),
    "novelty": (
        "Stop at day {first_days} and the measured lift is {first_lift:+.1%}; by day "
        "{last_days} it has faded to {last_lift:+.1%}, on its way to the lasting "
        "{lasting:+.1%} (dashed line) once the {peak:.0%} novelty peak has worn off. Each "
        "sample's true effect fades the same way: an early readout is right about its own "
        "days, but those days are not the launch's."
    ),
}
