"""Every message the app shows, in one place (the library's own live in sim/messages.py)."""

LINK_UNKNOWN_CASE = "The link names a case that does not exist ({case}); showing the default case."
LINK_BAD_NUMBER = "The link's {name} is not usable here ({value!r}); using the default."
LINK_BAD_VARIANT = ("The link's variant is not usable here ({value!r}): a variant is a whole "
                    "number from 0 to {high}; showing the case as written (variant 0).")
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
CLUSTER_UNREACHABLE = (
    "This server sends its runs to a Dask cluster ({variable}={address}), and the cluster is "
    "not answering. Nothing you set caused this: try again in a minute, or ask whoever runs "
    "the server to start the cluster (or to unset {variable} so runs stay on the server)."
)
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
REVIEW_INTRO = (
    "Read the memos you were given (whose they are stays hidden unless the facilitator shows "
    "names) and rate each on the scorecard's criteria, with a short comment. Sending again "
    "replaces your review."
)
REVIEW_SEND = "Send the review"
REVIEW_SENT = "Review sent. You can change it and send it again."
REVIEW_COMMENT = "Comment (what is strong, what to fix)"
REVIEW_RECEIVED = "Reviews of your memo"
REVIEW_NONE_YET = "No reviews of your memo yet."
REVIEW_ANONYMOUS = "a classmate"
REVIEW_NAMES = "Show names in peer reviews"
REVIEW_NAMES_HELP = (
    "Off (the default): reviewers do not see whose memo they read, and authors do not see who "
    "reviewed them. You always see both."
)
REVIEW_ALL = "Every peer review ({count})"
BOARD_DOWNLOAD_CSV = "Board (CSV)"
BOARD_DOWNLOAD_JSON = "Board (JSON)"
BOARD_DOWNLOAD_HELP = (
    "One row per member: call, segments, expected lift, score, each scorecard item and "
    "interview question, decision day, time used and memo. Safe to open in a spreadsheet."
)

# Classes (the Class page; the store's own messages live in sim/messages.py).
CLASS_FAILED = "Class: {error}."
CLASS_INTRO = (
    "A class gathers study rooms: create it, start rooms from here (or attach rooms with their "
    "facilitator link), and once each room is revealed see every member across them: calls, "
    "scores, the questions missed most and the time used."
)
CLASS_CREATED = (
    "Class {name} is ready. Copy its teacher secret below now: it is shown only until you "
    "say you have kept it, and it is the only way to open the class again."
)
CLASS_SECRET_KEPT = "I have kept the secret"
CLASS_SECRET_HELP = (
    "The teacher secret of this class (the server keeps only its hash). With the class's name "
    "it opens the class here and exports it: python -m sim class NAME --token SECRET --csv"
)
CLASS_ROOM_STARTED = (
    "Room {code} is open for the class with the sidebar's run. Open it as the facilitator to "
    "share its join link."
)
CLASS_ROOM_ATTACHED = "Room {code} is now part of the class."
CLASS_ROOM_REVEALED = "Room {code} is revealed: its calls and scores are on the dashboard."
CLASS_NO_ROOMS = (
    "No rooms yet: start one for the sidebar's run, or attach a room with its facilitator link."
)
CLASS_NONE_REVEALED = (
    "No room of the class is revealed yet: calls, scores and the charts show here after each "
    "room's reveal."
)
CLASS_ADD_ROOMS = "Add rooms"
CLASS_START_ROOM = "Start a room for this run"
CLASS_ATTACH = "Attach a room"
CLASS_OPEN_ROOM = "Open {code} as facilitator"
CLASS_REVEAL_ROOM = "Reveal {code}"
CLASS_LIFT_TITLE = "Expected lifts against the truth, room by room"
CLASS_LIFT_LOOK = (
    "Look at how far the blue dots (what members expected) spread around the black tick (the "
    "room's true effect on the fleet); red squares are the true effect where each member ships."
)
CLASS_QUESTIONS_TITLE = "The interview questions the class missed most"
CLASS_QUESTIONS_LOOK = (
    "The longest bars are the questions to go over together: the share of members without "
    "full marks."
)
CLASS_SCORES_TITLE = "Scores, room by room"
CLASS_SCORES_LOOK = "Each dot is a member; the black tick is the room's mean score."
CLASS_TIME_TITLE = "Days of data used before deciding"
CLASS_TIME_LOOK = (
    "Dots past the dashed line decided after the 30-day budget; hover a dot for the minutes "
    "that member took from joining to submitting."
)
CLASS_DOWNLOAD_CSV = "Class (CSV)"
CLASS_DOWNLOAD_JSON = "Class (JSON)"
CLASS_DOWNLOAD_HELP = (
    "One row per member and room: call, segments, expected lift, score, each scorecard item "
    "and interview question, decision day, time used and memo. Safe to open in a spreadsheet."
)
# The Case editor (Learn); the case files' own messages live in sim/messages.py.
EDITOR_INTRO = (
    "Write a case in TOML: start from a case or the blank template, edit it here, and every "
    "change is checked (the file, the dotted path, what is allowed). Preview a few seeded runs, "
    "then save it: saved cases join the case list on this server and can be used in rooms."
)
EDITOR_FAILED = "Case editor: {error}."
EDITOR_START = "Start from"
EDITOR_BLANK = "A blank template"
EDITOR_LOAD = "Load into the editor"
EDITOR_TEXT = "The case (TOML)"
EDITOR_VALID = "Valid case: {id} ({title})."
EDITOR_PREVIEW = "Preview a small run"
EDITOR_PREVIEWING = "Running the case on a few seeds..."
EDITOR_PREVIEW_CAPTION = (
    "{seeds} seeds at {devices:,} devices, decided at day {day}: the data rule reaches the "
    "right call in {share:.0%} of them (a case is fair from {fair:.0%}, at its own size)."
)
EDITOR_TRUTH = "The true effect on {metric} by segment (seed 0)"
EDITOR_SAVE = "Save to this server's cases"
EDITOR_SAVED = "Saved as {path}. It is in the case list now (the sidebar's Case, on Practice pages)."
EDITOR_FOLDER = "Saved cases go to {folder} (set LAUNCHROOM_CASES for another folder)."
EDITOR_DOWNLOAD = "Download this case (.toml)"
EDITOR_PACK = "Case packs"
EDITOR_PACK_DOWNLOAD = "Download every saved case (.zip)"
EDITOR_PACK_UPLOAD = "Upload a case pack (.zip)"
EDITOR_PACK_ADD = "Add the pack's cases"
EDITOR_PACK_SAVED = "Saved {count} case(s) from the pack: {names}."
EDITOR_NO_SAVED = "No cases saved on this server yet."
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
        "still cover the true effect (grey ticks) about as often: {coverage_plain:.0%} and "
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

# The guided path (ui/steps.py).
STEP_HERE = "you are here"
STEP_NEXT = "Next: {step}. Each page ends with a link to it."
GO_BRIEF = "Read the brief →"
GO_DESIGN = "Next: design the launch →"
GO_RUN = "Next: run the fleet →"
GO_ANALYSE = "Next: analyse the telemetry →"
GO_DECIDE = "Next: make the call →"
GO_COMPARE = "Compare this run with another design →"
GO_ANOTHER_CASE = "Practise another case →"

# The sidebar.
SIDEBAR_LEARN = (
    "The Learn pages explain the statistics; the case, seed and fleet size are back in the "
    "sidebar on the Practice pages."
)
SEED_HELP = "The same case, variant, knobs and seed give the same fleet for everyone."
VARIANT_HELP = ("0 is the case as written. Any other number redraws the case within its declared "
                "ranges (the size of the effect, which chips are hurt, whether the firmware "
                "step happens...), so the right call may change; the same number is always the "
                "same case.")
FRESH_CASE = "Fresh case"
FRESH_CASE_HELP = "A variant of this case you have not had in this session."
FLEET_HELP = (
    "Devices in the experiment. Smaller fleets run faster; larger ones detect smaller effects."
)

# The Glossary page.
GLOSSARY_INTRO = (
    "Every statistic, call, piece of evidence and metric the practice pages show, in plain "
    "words, each with a short worked example. The (?) help next to a number links here."
)
GLOSSARY_FIND = "Find a term"
GLOSSARY_FIND_PLACEHOLDER = "p-value, CUPED, hazard ratio, roll back..."
GLOSSARY_NOTHING = "No term matches that; try a shorter word."
GLOSSARY_EXAMPLE = "Example:"

# Comparing two designs (ui/compare.py, the Compare designs page).
RUN_DESCRIPTION = "{title} · {variant} · {knobs} · seed {seed} · {devices:,} devices"
VARIANT_AS_WRITTEN = "as written"
VARIANT_NUMBER = "variant {number}"
VARIANT = "variant"
CASE_DEFAULTS = "the case's settings"
PIN = "Pin this run"
PIN_HELP = (
    "Keep these settings as the run to compare against; then change a knob (int8 to int4, "
    "the lowest tier) and open Compare designs to see both side by side."
)
PIN_NONE = "Nothing pinned yet: pin this run, change a knob, then compare the two."
PIN_THIS = "This run is pinned. Change a knob to get a design to compare it with."
PIN_COMPARE = "Compare the pinned run with this one →"
SEED = "seed"
FLEET = "fleet size"
ALL_TIERS = "every tier"
HOLDS = "holds"
NOT_SHOWN = "not shown"
COMPARE_INTRO = (
    "Two designs of the same case side by side: the pinned run and the run the sidebar and "
    "knobs describe now. Same seed, same fleet: the difference is the design."
)
COMPARE_NOTHING = (
    "Nothing is pinned yet. On Design or Analyse press **Pin this run**, change a knob (for "
    "example the quantization, or the lowest tier that gets the model), then come back."
)
COMPARE_SAME = (
    "The pinned run is the current run. Change a knob on Design (int8 to int4, mid instead of "
    "entry as the lowest tier) to compare two designs."
)
COMPARE_OTHER_CASE = (
    "The pinned run is of another case ({case}); pin a run of this case to compare designs."
)
COMPARE_RUNNING = "Running both designs (each run is cached)..."

# The Analyse page.
CHECK_FIRST = "**What to check first: can the data be trusted?** Quality comes before any lift."
CHECK_FIRST_THEN = (
    "Then read the lift with its interval (Lift), whether it differs by segment (Segments), "
    "the guardrails, retention and the effect over time."
)
PLANNED = "planned {share}"
SRM_OK = "no alarm"
SRM_ALARM = "alarm: find out why"
SEEN = (
    "Devices seen in telemetry: {seen:,} ({never:,} never reported). Duplicate reports: "
    "{duplicates:,}; late reports: {late:,}."
)
GLOSSARY_LINK = "What do these words mean? The Glossary"
RELATIVE_AXIS = "Relative change, 95% CI"
FOREST_SUCCESS = "Success metric: {metric}"
FOREST_SUCCESS_LOOK = "Look for an interval clear of zero on the good side (green: better)."
FOREST_GUARDRAILS = "Guardrails: must not get worse beyond their margin"
FOREST_GUARDRAILS_LOOK = (
    "Look at the side that matters: an interval reaching past its margin (orange tick) is "
    "not shown to hold."
)
FOREST_OTHERS = "Other metrics"
FOREST_OTHERS_LOOK = "Each on its own scale; look for intervals clear of zero."
FOREST_OWN = "Relative change per metric, with 95% CIs"
MORE_READINGS = "**Other readings of {metric}**"
BAYES = (
    "Bayesian reading: {prob} chance treatment is better; expected loss {ship} if shipped, "
    "{hold} if held back (95% credible interval {interval})."
)
COMPLIANCE = (
    "Intention to treat {itt}; installs differ by {uptake} between the arms, so the effect on "
    "devices that installed is {effect} (95% CI {interval}, p {p})."
)
SEGMENTS_TITLE = "{metric} by segment"
SEGMENT_FOREST = "Relative change in {metric} by {kind}"
SEGMENT_FOREST_LOOK = (
    "In the case's order (tiers from the fastest down). Look for a segment whose interval "
    "sits apart from the others, or on the other side of zero."
)
INTERACTION = "Interaction test p-value"
F_STATISTIC = "F = {f}"
CHI_SQUARE = "chi-square = {chi2}"
CI = "95% CI {interval}"
P = "p {p}"
HAZARD_METHOD = "Hazard ratio estimated with: {method}."
EARLY = "Early effect (days {first}-{last})"
LATE = "Late effect (days {first}-{last})"
DRIFT_AXIS = "{metric}, device mean"
HOUSEHOLDS_MIXED = (
    "{homes:,} homes, {per_home} devices each on average, and some hold both arms: if the "
    "feature spills over inside a home, control is not untouched."
)
HOUSEHOLDS_APART = (
    "{homes:,} homes, {per_home} devices each on average, each home wholly in one arm: a "
    "feature that spills over inside a home cannot reach control."
)
GO_SQL = "Optional: query this run in SQL →"
COMPARE_PRIMARY = "The success metric: relative change in {metric}"
COMPARE_SEGMENTS = "Lift per segment: by {kind}"

# The Cases page.
BRIEF_LABEL = "The brief · difficulty {stars} · {devices}"
OTHER_CASES = "All cases"
OTHER_CASES_HELP = "Pick another case: its brief replaces the one above."

# The Design page.
DESIGN_INTRO = "{title} — tune the constraints, then check feasibility and power before you run."
MODEL_SIZE = (
    "{name}: {params}M parameters at {quantization}, {weights} MB of weights, {footprint} MB "
    "in memory."
)
FEASIBILITY_FITS = (
    "Feasibility per chip tier: every tier runs the model within the latency budget and its "
    "free RAM, so hardware is not this case's question (open to check)"
)
PLAN_TITLE = "**The staged rollout plan**"
POWER_LATER = (
    "Power planning by day is available for count metrics; {metric} is planned from the run's "
    "readout (the minimum detectable effect on the Analyse page's evidence)."
)

# The Run page.
DEVICES_HELP = "Devices in the simulated fleet, both arms together."
INSTALL_FAILURES_HELP = (
    "Treatment devices whose install failed: they stay on the old build, and some stop "
    "reporting (a cause of sample-ratio mismatch)."
)
ROLLOUT_OUTCOME_HELP = (
    "completed: every stage ran; halted: a gate stopped new offers (installed devices keep "
    "the build); rolled back: the build was taken off the devices."
)

WORLD_KNOB_SET = "Set for this run by the case author or your teacher: {label} = {value}."

# The Analyse page's readout options.
BASIS_LABEL = "Who is analysed"
BASIS_NAMES = {"assigned": "every assigned device", "offered": "devices offered the build",
               "installed": "devices that installed (treatment) against offered control",
               "seen": "devices seen in telemetry", "reporting": "devices still reporting"}
BASIS_NOTE = "Who is analysed: {note}"
ANALYSE_DAY = (
    "Readout through day {day} of {horizon}: what had reached you by then (your decision day; "
    "extend on the Decide page to look later)."
)
READOUT_FINISHING = "Finishing the readout (it started as the page opened)..."
ROBUST_TITLE = "Robust readings: capping and quantiles"
CAP_TOGGLE = "Cap every metric at a percentile (winsorise)"
CAP_PERCENTILE = "Cap at the percentile"
QUANTILES_LABEL = "Quantile lifts"
ROBUST_PRIMARY = "The decision rule reads the success metric capped where the outliers begin: {reading}"
CAPPED_TITLE = "**Capped at the {percentile}th percentile**"
QUANTILES_TITLE = "**Quantile lifts**"
NO_PANEL = "this run keeps no raw daily reports"

# The decision form.
CALL_HELP = "Each call is defined in one line under it; worked examples in the {link}."
DECISION_DAY = (
    "**Decision day {day}**: you decide on the readout through this day (what had reached you "
    "by then). To wait for more data, call *extend* and name the day to decide again."
)
EXTEND_TO = "Decide again on day"
EXTEND_TO_HELP = (
    "The readout moves to this day and you decide again; the days you wait count against "
    "the 30-day budget."
)
QUESTIONS_TITLE = (
    "**The interviewer asks** (graded against your readout, not the truth; one you leave out "
    "earns nothing)"
)
LIFT_UNREADABLE = "The primary lift cannot be read yet"
LIFT_ANSWER_HELP = "Relative, in percent: +2.1 means +2.1%."
NO_SEGMENT_HURT = "no segment is hurt"
EXPECTED_HELP = (
    "The relative change you expect where you ship (the whole fleet for the other calls): "
    "+3 means +3%. The scorecard compares it with the truth and with the data's interval."
)
DECISION_DAY_HELP = (
    "The day you decide on: the readout you rely on is the one through this day, and the "
    "days to ship count from it against the 30-day budget."
)

# The Decide page.
READOUT_DAY = (
    "Readout through **day {day}** of {horizon}: what had reached you by the end of that day "
    "(later uploads and later installs are not in it). The Analyse page shows the same day."
)
EXTENDED = "You extended on day {day} to decide again on day {later}."
NO_MORE_DATA = (
    "The run ends on day {day}: there is no later data to wait for. Decide with what you have "
    "(an extend now is scored as it stands)."
)
SCORING = "Scoring: re-simulating this fleet under every design of the case..."
LUCKY = (
    "Your call matches the truth, but the data you had did not carry it: a lucky guess scores "
    "less than the call the data supported."
)
DEBRIEF = "Debrief"
MODEL_ANSWER = "**The model answer:** {call}."
MODEL_ANSWER_VARIANT = ("Variant {number} of the case: the model answer is the call the decision "
                        "rule makes on this variant's hidden truth.")
NEXT_TIME = "**Next time:** {advice}"
WHAT_MATTERED = "**What mattered in this case**"
TRUTH_VS_READOUT = "**{metric}: the truth beside what your readout at day {day} showed**"
QUESTIONS_GRADED = "**The interviewer's questions, against your readout**"
DESIGNS_COMPARED = "**Your design against every design, on the same fleet**"
TRAPS = "**What the case kept to itself until now**"
TRAP_KNOB = "The setting shown as \u201c{label}\u201d is \u201c{real}\u201d."
TRAP_TAGS = "Tags: {tags}"
TRUTH_TITLE = "**The truth: {metric}, over the fleet and per segment**"
MDE_LABEL = "Smallest detectable change"
MDE_CAPTION = (
    "in {metric} at day {day} with 80% power, on {devices:,} devices (planned from a small "
    "pilot run of the case)"
)

# --- the Interview page ----------------------------------------------------------------------
INTERVIEW = "Interview"
INTERVIEW_INTRO = ("A timed case, as an interviewer runs it: the prompt, your clarifying "
                   "questions, the design, the readout at the decision day, your call, then two "
                   "or three follow-ups on what the readout shows. The case and its variant "
                   "are the sidebar's. Hints cost points.")
INTERVIEW_SURPRISE = "Surprise me (a random case and a fresh variant)"
INTERVIEW_LENGTH = "Length"
INTERVIEW_SUGGESTED = "This case suggests {minutes} minutes."
INTERVIEW_START = "Start the interview"
INTERVIEW_CLOCK = "Time left"
INTERVIEW_CLOCK_HELP = ("A {minutes}-minute interview. When the time is up you make the call "
                        "with what you have.")
INTERVIEW_STEP = "Step {number} of {total}: {step}"
INTERVIEW_PROMPT_AGAIN = "The prompt: {title}"
INTERVIEW_STEPS = {"prompt": "the prompt", "clarify": "clarifying questions",
                   "design": "the design", "readout": "the readout", "call": "the call",
                   "followups": "follow-up questions", "rubric": "the rubric"}
INTERVIEW_TIME_UP = "Time is up: make the call with what you have."
INTERVIEW_CLARIFY = ("Ask what you need before touching the data. The interviewer answers "
                     "from the case.")
CLARIFY_LABELS = {
    "devices": "Which devices get it, and how many?",
    "metric": "Which metric decides, and when do we read it?",
    "guardrails": "What must not get worse, and by how much?",
    "budget": "What is the time budget, and the latency budget?",
    "success": "What does success mean to the business?",
    "rollout": "How does the build reach the devices?",
}
INTERVIEW_HINT = "Ask for a hint (costs {cost} points)"
INTERVIEW_NEXT = "Next"
INTERVIEW_DESIGN = ("Set the design and say why: latency, memory and battery on the chips that "
                    "get the model.")
INTERVIEW_WHY = "Why this design?"
INTERVIEW_RUN = "Run the fleet and read out"
INTERVIEW_RUNNING = "Running the fleet..."
INTERVIEW_READOUT = "The readout through day {day}."
INTERVIEW_SEGMENTS = "By {kind}"
INTERVIEW_TO_CALL = "Make the call"
INTERVIEW_CALL = "Submit the call"
INTERVIEW_FOLLOWUPS = "The interviewer pushes back:"
INTERVIEW_ANSWER = "Your answer"
INTERVIEW_FINISH = "Finish and see the rubric"
INTERVIEW_SCORE = "Interview score: {total:g} / 100"
INTERVIEW_USED = "Time used: {used:.1f} of {minutes} minutes."
INTERVIEW_HINTS_TAKEN = "Hints taken: {hints} (−{cost} points)."
INTERVIEW_HINT_TAKEN = "{level} on {step}"
HINT_LEVEL_WORDS = {"nudge": "a nudge", "pointer": "a pointer"}
INTERVIEW_YOUR_FOLLOWUPS = "**Your follow-up answers**"
NO_ANSWER = "(no answer)"
READOUT_SAID = "the readout: {fact}"
INTERVIEW_AGAIN = "Start another interview"
HISTORY = "Your attempts"
HISTORY_NAME = "Your display name on this server (your attempts are kept under it)"
HISTORY_KEEP = "Keep this attempt"
HISTORY_FAILED = "Your attempts could not be read: {error}"
HISTORY_LAST = "Your last {count} attempt(s), newest first."
HISTORY_SHARE = "share of the line's points"
HISTORY_NEXT = "Practise next: {line} (your weakest line over your last attempts)."
HISTORY_CSV = "Attempts (CSV)"
RUBRIC_LINES = {"structure": "Structure", "hardware": "Hardware reasoning",
                "data_quality": "Data quality first", "statistics": "Statistics",
                "call": "The call and its value", "speed": "Speed (30-day rule)",
                "communication": "Communication"}

# --- Learn -> Drills -----------------------------------------------------------------------------
DRILLS = "Drills"
DRILLS_INTRO = ("Probability questions from your own run (the sidebar's case, variant, seed and "
                "fleet size), checked against exact arithmetic on its tables. Each worked "
                "solution ends beside the app's own reading of the same data: the Kaplan-Meier "
                "curve and the truth for the chain, the readout's Bayesian reading for Bayes' "
                "rule.")
DRILLS_RUN_FIRST = "Run the fleet first: the drills are built from your run's tables."
DRILL_TITLES = {"markov": "Active, dormant, churned: a Markov chain from the logs, against "
                          "the Kaplan-Meier curve and the truth",
                "bayes": "Is the weakest tier hurt? Bayes' rule day by day, beside the "
                         "readout's Bayesian reading",
                "gate": "Does the first stage trip the crash gate by luck?"}
DRILL_MISSING = {"markov": "This run kept no daily reports: no Markov drill for it.",
                 "bayes": "No day of this run has devices on the build in the weakest tier.",
                 "gate": "This case's rollout has no crash-rate gate: no gate drill for it."}
DRILL_ANSWERS = {"markov": "Your answer: the share not churned, in percent",
                 "bayes": "Your answer: the probability the tier is hurt, in percent",
                 "gate": "Your answer: the chance, in percent"}
DRILL_CHECK = "Check"
DRILL_RIGHT = "Right: the exact answer is {answer:.4%}."
DRILL_WRONG = "Not quite: you said {guess:.4%}; the exact answer is {answer:.4%}."
DRILL_SOLUTION = "**Worked solution**"
