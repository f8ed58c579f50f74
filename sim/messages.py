"""Every user-facing message, in one place.

Messages are ``str.format`` templates; callers fill in the names. Keeping them here keeps the
wording consistent between the command line, the app and the tests.

>>> FILE_NOT_FOUND.format(path="cases/x.toml")
'cases/x.toml: file not found'
"""

# --- case files and knobs -------------------------------------------------------------------
FILE_NOT_FOUND = "{path}: file not found"
NOT_A_FILE = "{path}: is a folder, not a case file"
TOML_SYNTAX = "{path}: not valid TOML ({detail})"
FIELD_ERROR = "{path}: {location}: {detail}"
CASE_ERROR = "{path}: {detail}"
UNKNOWN_KEY = "{path}: {location}: unknown key; allowed here: {allowed}"
MORE_ERRORS = " (and {count} more problem{plural})"
KNOB_FORMAT = "--set {text!r}: expected path=value, for example feature.quantization=int8"
KNOB_UNKNOWN_PATH = "{path}: {location}: no such setting; allowed here: {allowed}"
KNOB_OUT_OF_RANGE = "{path}: {location}: {value!r} is outside the knob's range {low}..{high}"
KNOB_NOT_AN_OPTION = "{path}: {location}: {value!r} is not one of the knob's options: {options}"
NO_CASES = "no case files found in {folder}"
CASE_TOO_BIG = "{path}: {size:,} bytes; a case file has at most {limit:,}"
CASE_ID_BUILT_IN = (
    "{path}: the case id {id!r} is a built-in case's; give your case another meta.id"
)
CASE_FOLDER_IS_LIBRARY = (
    "{folder} is the app's own case library; saved cases go to a folder of their own "
    "(LAUNCHROOM_CASES)"
)
CASE_MARKUP = (
    "{path}: {location}: links, images, web addresses and HTML are not allowed in a saved case "
    "(everyone on this server sees it); **bold** and *italic* are"
)
PACK_NOT_A_ZIP = "that file is not a zip of case files (a case pack)"
PACK_TOO_MANY = "the case pack holds {count:,} files; at most {limit:,}"
PACK_NOT_TOML = "{path}: not a case file (.toml), left out"
UNKNOWN_CASE = "no case named {name!r}; known cases: {known}"
MARKOV_ROW = (
    "an {state} device's chances to move on each day sum to {total:g}; they may add up to at "
    "most 1 (the rest is the chance to stay {state})"
)
METRIC_ZERO_IN_CONTROL = (
    "{metric} is zero in control by definition, so it cannot be a success metric or a "
    "guardrail"
)
METRIC_NEEDS_SENSOR = "{metric} needs {sensor}, and this fleet has none ({detail})"
METRIC_NEEDS_DAYS = (
    "{metric} means active in the last {window} days, so a {days}-day run cannot read it; run "
    "more than {window} days or decide on another metric"
)
KNOB_BAD = "knobs.{index} ({path}): {detail}"
KNOB_NO_SETTING = "there is no such setting in this case"
KNOB_OPTIONS_MISS = "the case's own value {value!r} is not among the options"
KNOB_NOT_NUMERIC = "a range knob needs a number, and the case's value is {value!r}"
KNOB_RANGE_MISS = "the case's own value {value!r} is outside the range {low:g}..{high:g}"
VARIANT_RANGE_OR_OPTIONS = "a variant draw needs either min and max, or options (not both)"
VARIANT_MIN_ABOVE_MAX = "min ({low}) is above max ({high})"
VARIANT_BAD_NUMBER = "variant {value!r} is not a whole number from 0 to {high}"
VARIANT_NONE_DECLARED = "{path}: the case declares no [variants]; only variant 0 (the file) exists"
VARIANT_OF_VARIANT = "{path}: variants are drawn from the case as written, not from variant {number}"
VARIANT_END_INVALID = "{path}: {location}: {setting} = {value!r} makes the case invalid ({detail})"
VARIANT_UNKNOWN_SEGMENT = ("variants.scenes.{index}.hurt.among names {names}, not a {kind} of the "
                           "fleet; allowed: {allowed}")
VARIANT_DESCRIPTION = "Variant {number}{scene}: {settings}"
VARIANT_NOTHING = "as written"
KNOB_END_INVALID = "{path}: knobs.{index}: {knob} = {value!r} makes the case invalid ({detail})"
NESTING_TOO_DEEP = "{path}: arrays or tables nested more than {limit} deep; a case needs about five"
GOT_VALUE = " (got {value})"
GUARDRAIL_DIRECTION = (
    "higher_is_better contradicts the metric catalogue: for {metric} {better} is better "
    "(leave the key out; the catalogue decides)"
)

# --- simulation -----------------------------------------------------------------------------
BAD_DEVICES = "--devices must be a whole number of at least {low} (got {value!r})"
BAD_DAYS = "--days must be a whole number from {low} to {high} (got {value!r})"
BAD_SEED = "--seed must be a whole number from 0 to {high} (got {value!r})"
DECISION_AFTER_HORIZON = (
    "experiment.decision_day ({decision_day}) is after the last simulated day ({days}); "
    "run more days or decide earlier"
)
RESULT_NOT_FOUND = "{path}: no saved simulation here (expected {missing})"
RESULT_UNREADABLE = "{path}: cannot read the saved simulation ({detail})"
RESULT_OLD_FORMAT = (
    "{path}: saved in format {found}, this version reads format {expected}; run the case again"
)

# --- analysis -------------------------------------------------------------------------------
READING_DEGENERATE = (
    "the data leave nothing to estimate here (every value the same, or one group empty: {detail})"
)
READING_UNAVAILABLE = "{what}: not available ({reason})"
DRIFT_TOO_FEW = (
    "the drift check needs at least {needed} updated devices and {needed} control devices "
    "(got {on_build} and {control})"
)
NO_INSTALLS_YET = "no treatment device has installed the build yet"
DRIFT_NO_BEHAVIOUR = "the drift check compares the reading with {metric}, which has no reading"
# Bad tables and bad arguments (raised as DataError, shown as one line).
TABLE_IS_FOLDER = "{path}: is a folder, not a table file"
TABLE_UNSUPPORTED_FORMAT = "{path}: unsupported table format {suffix!r}; use .csv or .parquet"
TABLE_UNREADABLE = "{path}: cannot be read as {kind} ({detail})"
TABLE_RAGGED = (
    "{path}: line {line} has {found} fields but the header has {expected}; every row needs one "
    "value per column"
)
COLUMNS_SKIPPED = "left out {columns}: not numbers"
ARM_VALUE_UNKNOWN = "no arm {value!r} in column {arm_col!r}; arms present: {arms}"
TABLE_FILE_EMPTY = "{path}: the table has no rows"
TABLE_EMPTY = "the table has no rows"
COLUMN_UNKNOWN = "no column {column!r} in the table; available columns: {available}"
COLUMN_NOT_NUMERIC = "column {column!r} is not numeric (dtype {dtype}); it must hold numbers"
COLUMN_NOT_FINITE = (
    "column {column!r} has {count} value(s) that are infinite or beyond {limit:g} in magnitude "
    "(row {rows}); fix or drop them"
)
COLUMN_ALL_MISSING = "column {column!r} has no values (every row is empty)"
COLUMN_NOT_BINARY = "column {column!r} is not binary (it holds values other than 0 and 1)"
COLUMN_NEGATIVE = "column {column!r} has negative values; it must be 0 or more"
COLUMN_TOO_FEW_VALUES = (
    "column {column!r} needs at least {minimum} values in each arm "
    "(got {n_control} in {control!r} and {n_treatment} in {treatment!r})"
)
ARM_COLUMN_EMPTY = "arm column {arm_col!r} has no values"
ARM_ONLY_ONE = "arm column {arm_col!r} has one arm only ({arms}); two arms are needed to compare"
ARM_TOO_MANY = (
    "arm column {arm_col!r} has {count} arms ({arms}); exactly two are needed, "
    "so filter the table to a control and one treatment"
)
ARM_CONTROL_MISSING = "control arm {control!r} is not in column {arm_col!r}; arms present: {arms}"
NO_METRIC_COLUMNS = "no numeric metric columns besides {excluded}; name them with metrics=[...]"
ARGUMENT_NEEDS_PARTNER = "{given}= needs {missing}= as well; name both columns for retention"
OPTION_UNKNOWN = "{name} must be one of {options} (got {value!r})"
VALUE_OUT_OF_RANGE = "{name} must be {requirement} (got {value!r})"
SAMPLE_EMPTY = "the {which} sample has no values"
SAMPLE_NOT_NUMERIC = "the {which} sample must hold numbers ({detail})"
INTERACTION_SINGULAR = (
    "the interaction test has nothing to compare: the metric does not vary within some "
    "segment and arm"
)
NI_UNDEFINED = (
    "the guardrail {metric} has a control mean of zero, so a relative margin cannot be tested"
)
HAZARD_ONE_ARM = (
    "no device had the event in the {arm} arm ({events} did in {other}), so the hazard ratio "
    "has no finite estimate; the log-rank test still compares the curves"
)
CLUSTERS_TOO_FEW = (
    "a cluster-robust comparison needs at least two clusters (households), got {count}"
)
SEGMENTS_TOO_FEW = (
    "column {column!r} needs at least two segments with both arms present "
    "for an interaction test (got {count})"
)
EVENTS_EXCEED_AT_RISK = "{count} row(s) have more events than devices at risk; need 0 <= events <= at_risk"
NO_EVENTS = "column {column!r} has no events (every value is 0), so there is nothing to compare"
NO_EVENT_DAYS = "no day has both events and survivors, so the hazard model has nothing to fit"
NOVELTY_TOO_FEW_DAYS = (
    "the novelty check needs at least {needed} distinct days ({early} early + {late} late); "
    "got {got}"
)
INSTALLS_DO_NOT_DIFFER = (
    "install shares do not differ between arms (treatment minus control = {diff:.3g}), "
    "so the effect on installed devices cannot be estimated"
)

# Plain-language readings attached to every analysis result.
P_VALUE_SMALL = "p < 0.001"
P_VALUE = "p = {p:.2g}"
P_VALUE_MISSING = "p not available"
NOT_AVAILABLE = "n/a"
# Numbers as the app and the memo show them (sim/export/numbers.py).
P_BELOW = "< {limit}"
ABOVE = "> {limit}"
POINTS = "pp"  # percentage points: the unit of a change in a share
INTERVAL = "{low} to {high}"
VERDICT_CLEAR = "a clear difference"
VERDICT_UNCLEAR = "not distinguishable from no change"
READING_SRM_OK = "Split as planned: {share:.2%} treatment vs {expected:.2%} planned ({p})."
READING_SRM_ALARM = (
    "Sample ratio mismatch: {share:.2%} treatment vs {expected:.2%} planned ({p}); "
    "find out why before trusting any lift."
)
READING_COMPLETENESS = "{share:.1%} of expected device-days were reported ({reported:,} of {expected:,})."
READING_COMPLETENESS_BY_ARM = (
    "{share:.1%} of expected device-days were reported ({reported:,} of {expected:,}); "
    "by arm: {by_arm} ({p} for a difference between arms)."
)
READING_CLEANING = (
    "Kept {rows_out:,} of {rows_in:,} rows: removed {duplicates:,} exact duplicate(s); "
    "{conflicts:,} row(s) share a {key} key but differ; {late:,} row(s) are dated before the "
    "day they were received (a late upload, or a device clock running behind)."
)
READING_LIFT = (
    "{metric}: treatment {treatment_mean:.4g} vs control {control_mean:.4g}, "
    "a change of {abs_diff:+.4g} ({level:.0%} CI {low:+.4g} to {high:+.4g}, {p}, {test}; "
    "{rel} relative, {rel_ci}): {verdict}."
)
READING_RELATIVE = "{level:.0%} CI {low} to {high}, {p} by the delta method"
READING_RELATIVE_UNDEFINED = "undefined: the control mean is zero"
READING_CAPPED = (
    "{metric} capped at its {percentile}th percentile ({cap:.4g}; {devices} devices capped): "
    "a change of {capped:+.4g} ({level:.0%} CI {low:+.4g} to {high:+.4g}) against {raw:+.4g} "
    "uncapped - capping moved the estimate by {moved:+.4g} ({share}) and the interval is "
    "{capped_width:.4g} wide instead of {raw_width:.4g}."
)
CAPPED_MOVE_SHARE = "{share:.0%} of the uncapped change"
CAPPED_MOVE_FROM_ZERO = "the uncapped change was zero"
CAP_PERCENTILE = "the capping percentile must be from {low} to {high}, got {value!r}"
QUANTILE_LEVEL = "the quantile must be above 0 and below 1 (0.5 is the median), got {value!r}"
QUANTILE_OF_BINARY = (
    "{metric} is a 0/1 metric: its quantiles are 0 or 1 and say nothing a proportion does not; "
    "read its difference in proportions instead"
)
READING_QUANTILE = (
    "{metric}, {label}: treatment {treatment:.4g} vs control {control:.4g}, a change of "
    "{diff:+.4g} ({level:.0%} CI {low:+.4g} to {high:+.4g}, {p}; {rel} relative, {rel_ci}): "
    "{verdict}."
)
READING_QUANTILE_FLAT = (
    "{metric}, {label}: {control:.4g} in both arms, and the values around it are all alike, so "
    "the quantile cannot move by a fraction of a unit: no change to read."
)
READING_CUPED = (
    "{metric} adjusted for {covariate}: change of {abs_diff:+.4g} ({level:.0%} CI {low:+.4g} to "
    "{high:+.4g}, {p}, {test}; {rel} relative, {rel_ci}); the adjustment removed "
    "{reduction:.0%} of the variance: {verdict}."
)
READING_NON_INFERIOR = (
    "{metric}: non-inferior; the {level:.0%} one-sided bound {bound} stays within the margin "
    "{margin} ({p})."
)
READING_NOT_NON_INFERIOR = (
    "{metric}: non-inferiority not shown; the {level:.0%} one-sided bound {bound} reaches past "
    "the margin {margin} ({p})."
)
READING_SEGMENTS = (
    "{metric} by {segment_col}: {count} of {total} segment(s) show a clear difference "
    "after Holm correction{names}."
)
READING_INTERACTION_YES = (
    "The effect on {metric} differs between {segment_col} segments (F = {statistic:.3g}, {p})."
)
READING_INTERACTION_NO = (
    "No clear evidence that the effect on {metric} differs between {segment_col} segments "
    "(F = {statistic:.3g}, {p})."
)
READING_KAPLAN_MEIER = (
    "Still without the event at time {time:g}: control {control:.1%}, "
    "treatment {treatment:.1%} (Kaplan-Meier)."
)
READING_LOGRANK = "Log-rank test: the survival curves {verdict} (chi2 = {chi2:.3g}, {p})."
VERDICT_CURVES_DIFFER = "differ"
VERDICT_CURVES_UNCLEAR = "do not clearly differ"
READING_HAZARD = (
    "{ratio_name} treatment vs control {ratio:.3g} ({level:.0%} CI {low:.3g} to {high:.3g}, "
    "{p}): {verdict}."
)
VERDICT_HAZARD_HIGHER = "the event comes sooner for treatment devices"
VERDICT_HAZARD_LOWER = "the event comes later for treatment devices"
VERDICT_HAZARD_UNCLEAR = "no clear difference in timing"
READING_KS = "Before and after distributions {verdict} (KS D = {statistic:.3g}, {p})."
READING_PSI = "PSI = {psi:.3g}: {verdict}."
VERDICT_PSI_STABLE = "no meaningful shift (below 0.1)"
VERDICT_PSI_MODERATE = "a moderate shift (0.1 to 0.25)"
VERDICT_PSI_MAJOR = "a major shift (0.25 or more)"
READING_NOVELTY = (
    "Early effect {early:+.4g} vs late effect {late:+.4g} (change {diff:+.4g}, {p}): {verdict}."
)
VERDICT_NOVELTY_FADES = "the effect fades over time, a sign of novelty"
VERDICT_NOVELTY_GROWS = "the effect grows over time, a sign of learning"
VERDICT_NOVELTY_STABLE = "no clear change over time"
READING_POWER = (
    "With {n:,} devices per arm, a change of {mde_rel:+.2%} ({mde_abs:.4g}) from a baseline of "
    "{baseline:.4g} is detected with {power:.0%} power at alpha {alpha:g}."
)
READING_DURATION_FITS = (
    "Needs {n:,} devices per arm: {days} day(s) at {daily:,g} per arm per day, "
    "within the {budget}-day budget."
)
READING_DURATION_TOO_LONG = (
    "Needs {n:,} devices per arm: {days} day(s) at {daily:,g} per arm per day, beyond the "
    "{budget}-day budget; by day {budget} only changes of {mde_budget:.2%} or more are detectable."
)
READING_SEQUENTIAL_YES = (
    "Peeking at {looks} looks with the error rate spent over them (group-sequential): the "
    "{level:.0%} repeated interval first excludes zero at look {look}, so the difference holds "
    "up even with a look every day (the fixed-horizon interval excluded zero at {fixed})."
)
READING_SEQUENTIAL_NO = (
    "Peeking at {looks} looks with the error rate spent over them (group-sequential): the "
    "{level:.0%} repeated interval includes zero at every look, so no difference is shown yet "
    "(the fixed-horizon interval excluded zero at {fixed} of them, which daily peeking makes "
    "no evidence)."
)
SEQUENTIAL_NO_LOOKS = (
    "no look has two devices with different values in each arm, so there is nothing to monitor"
)
READING_BAYES = (
    "{metric}: {prob:.1%} chance treatment is better; expected loss {loss_ship:.3g} if shipped, "
    "{loss_hold:.3g} if held back ({level:.0%} credible interval {low:+.4g} to {high:+.4g})."
)
READING_COMPLIANCE = (
    "{metric}: intention-to-treat effect {itt:+.4g}; installs differ by {uptake:.1%} between arms, "
    "so the effect on devices that installed is {effect:+.4g} "
    "({level:.0%} CI {low:+.4g} to {high:+.4g}, {p})."
)
READING_TABLE = (
    "{count} metric(s) compared, {treatment!r} vs {control!r}: {clear} with a clear difference. "
    "{srm}"
)

# --- the simulated case's readout -------------------------------------------------------------
READING_REPORT = "{srm} Primary metric, {lift}"
CLI_RUN_OPTION = "{option} is for a table; a saved run knows its own randomisation unit"
CLI_TABLE_OPTION = "{option} is for a saved run folder; a table has no rollout to pick devices by"
BASIS_UNKNOWN = "the basis must be one of {choices}; got {value!r}"
BASIS_NOTES = {
    "assigned": (
        "Assigned: every randomised device, reporting or not. Nothing is selected, so the "
        "comparison is fair, but the effect is diluted by devices never offered, never "
        "installed or never heard from (those count with zero activity)."
    ),
    "offered": (
        "Offered: devices eligible for the build in the stages the server offered, in both "
        "arms. The effect of offering it; still diluted by installs that failed or are pending."
    ),
    "installed": (
        "Installed: treatment devices that installed against every offered control device. "
        "No longer randomised: a device whose install failed (poor network, full storage) "
        "drops out of treatment only, so the comparison carries survivor bias."
    ),
    "seen": (
        "Seen: devices with at least one report. Close to assigned; biased only if the "
        "feature changes whether a device reports at all."
    ),
    "reporting": (
        "Reporting: devices that reported in the last week, what a dashboard shows on "
        "decision day. Survivor bias: devices the feature silenced or drove away drop out of "
        "their arm."
    ),
}
READING_OUTLIERS = (
    "{devices} devices report {metric} far beyond everyone else (above {fence:.4g}: {control} in "
    "control, {treatment} in treatment) and hold {share:.1%} of its total - test rigs, bots or "
    "crash loops rather than people. A mean is theirs to swing: read {metric} capped, or by "
    "its median."
)
READING_OUTLIERS_ONE_ARM = (
    "{devices} devices report {metric} far beyond everyone else (above {fence:.4g}) and hold "
    "{share:.1%} of its total, but they crowd into one arm ({control} in control, {treatment} "
    "in treatment, {p}): that is what the feature did to them, a finding to read, not noise "
    "to cap."
)
READING_NO_OUTLIERS = (
    "No device reports {metric} far beyond the rest (above {fence:.4g}): the mean is the "
    "people's."
)
READING_PAIRED_SHIFT = (
    "{metric} changed by {change:+.4g} within the same {n} devices, after minus before "
    "({level:.0%} CI {low:+.4g} to {high:+.4g}, {p}, paired t-test)."
)
PAIRS_TOO_FEW = (
    "a paired comparison needs at least 2 rows with both {before!r} and {after!r}, got {count}"
)
READING_DRIFT_STEP = (
    "{metric} stepped by {did:+.3g} on the devices that took the update, beyond what it did in "
    "control over the same time ({level:.0%} CI {low:+.3g} to {high:+.3g}, {p}, difference in "
    "differences; within the updated devices it moved {paired:+.3g}). A reading that steps at "
    "an update may be the update's measurement, not behaviour: until the sensor's change is "
    "understood, {metric} cannot decide the launch - read behaviour ({behaviour}) instead."
)
READING_DRIFT_NONE = (
    "{metric} did not step on the devices that took the update beyond what it did in control "
    "(difference in differences {did:+.3g}, {level:.0%} CI {low:+.3g} to {high:+.3g}, {p}): "
    "no sign of a measurement change at the update."
)

# --- decisions, the decision rule, the scorecard, memo and impact ledger ----------------------
# Bad decisions (raised as DecisionError, shown as one line).
DECISION_FIELD = "decision: {location}: {detail}"
DECISION_ERROR = "decision: {detail}"
DECISION_SEGMENTS_NEEDED = "a ship_segments decision names a segment kind and at least one segment"
DECISION_SEGMENTS_UNWANTED = "only a ship_segments decision names segments (this one is {call})"
DECISION_SEGMENT_UNKNOWN = (
    "segment {segment!r} is not a {kind} segment of this case; allowed: {allowed}"
)
LEDGER_ROW_BAD = "ledger row {index}: {detail}"
# The rule's reasons, one sentence each.
RULE_QUALITY = (
    "Iterate: a quality check failed ({checks}); fix assignment and telemetry and run again "
    "before trusting any lift."
)
RULE_SRM = "sample ratio mismatch ({share:.2%} treatment vs {expected:.2%} planned, {p})"
RULE_DRIFT = (
    "{metric} moved by {shift:+.2f} on updated devices while behaviour did not: a measurement "
    "step (firmware), not an effect"
)
RULE_COMPLETENESS = (
    "telemetry incomplete ({share:.1%} of device-days reported; control {control:.1%}, "
    "treatment {treatment:.1%})"
)
RULE_REPORTING_GAP = (
    "Arms report differently (control {control:.1%}, treatment {treatment:.1%} of device-days): "
    "devices silent after a crash or a failed install may be missing from one arm."
)
RULE_SHIP_ALL = (
    "Ship to all: {metric} changed {lift} ({evidence}), every guardrail holds at its margin, "
    "no other metric got worse and no segment loses."
)
RULE_SHIP_SEGMENTS = (
    "Ship to {segments} ({kind}) only: {metric} changed {wins} there, while {losses}{pooled}."
)
RULE_POOLED_NO_LIFT = "pooled over the fleet, {metric} changed only {lift}"
RULE_POOLED_GUARDRAIL = "pooled over the fleet, {metrics} could not be shown within the margin"
RULE_POOLED_WORSE = "pooled over the fleet, {metrics} got worse"
RULE_ROLLBACK_PRIMARY = "Roll back: {metric} got significantly worse, {lift} ({evidence})."
RULE_ROLLBACK_GUARDRAIL = (
    "Roll back: guardrail {metric} got worse by {worse} ({evidence}), beyond its margin of "
    "{margin}."
)
RULE_EXTEND_GUARDRAIL = (
    "Extend: {metric} changed {lift}, but {guardrails} could not yet be shown within the "
    "margin; more devices or days will settle it."
)
RULE_ITERATE_GUARDRAIL = (
    "Iterate: {what} got worse by {worse}{margin}; rework the feature before shipping it"
    " ({metric} changed {lift})."
)
RULE_EXTEND_NO_READING = (
    "Extend: {metric} cannot be read yet ({evidence}); run longer or on more devices."
)
RULE_EVIDENCE_MISSING = "no reading: {reason}"
RULE_EXTEND_TREND = (
    "Extend: {metric} changed {lift} ({evidence}); promising but not shown yet, so run longer "
    "or on more devices."
)
RULE_ITERATE_FLAT = (
    "Iterate: {metric} changed {lift} ({evidence}), no lift worth shipping; rework the idea."
)
RULE_EVIDENCE_DATA = "{level:.0%} CI {low} to {high}, {p}"
RULE_EVIDENCE_TRUTH = "true effect"
RULE_CHECK_SRM = "The split fired the SRM alarm ({share:.2%} treatment vs {expected:.2%} planned)."
RULE_CHECK_GUARDRAIL = "Guardrail {metric} truly got {worse} worse against a margin of {margin}."
RULE_CHECK_GUARDRAIL_SEGMENTS = (
    "Guardrails held over the fleet but failed by {kind}: {detail}."
)
RULE_CHECK_GUARDRAILS_HELD = "Every guardrail truly held within its margin."
RULE_CHECK_SEGMENTS = "The effect differed by {kind}: {detail}."
RULE_EXTEND_GUARDRAIL_UNSURE = (
    "Extend: guardrail {metric} is estimated {worse} worse, past its margin of {margin}, but "
    "not with confidence ({evidence}); another {days} days of data still leave time to ship "
    "within the budget."
)
RULE_EXTEND_UNDERPOWERED = (
    "Extend: {metric} changed {lift} ({evidence}), not shown either way, and the interval still "
    "reaches {bound}, a lift worth shipping; another {days} days of data still leave time to "
    "ship within the budget."
)
RULE_EXTEND_EXPOSURE = (
    "Extend: {metric} changed {lift} ({evidence}), but only {share} of the treatment arm's "
    "devices have the build yet: on them the change could still reach {bound}; another {days} "
    "days of data still leave time to ship within the budget."
)
RULE_CHECK_DRIFT = (
    "A firmware update shifted {metric} by {shift:+g} on updated devices: measurement, not "
    "behaviour."
)
RULE_CHECK_NOVELTY = (
    "The effect faded from a novelty peak of {peak:+.0%}: novelty added {novelty:+.1%} on "
    "average over the run against a lasting {lasting:+.1%}."
)
# The scorecard's sentences.
SCORE_SUPPORTED = (
    "The readout at day {day} supports {supported}, and that is your call: {why}"
)
SCORE_PARTLY_SUPPORTED = (
    "You called {yours}; the readout at day {day} supports {supported}: {why}"
)
SCORE_NOT_SUPPORTED = (
    "You called {yours}, but the readout at day {day} supports {supported}: {why}"
)
SCORE_OUTCOME = (
    "On this fleet, {yours} is worth {value} on the primary metric; the best call available, "
    "{best}, is worth {best_value} (the truth's right call: {right})."
)
SCORE_LUCKY = (
    "The data you had at day {day} did not carry it (it supports {supported}): a lucky guess, "
    "so these points count only as far as the data supported your call."
)
SCORE_QUESTIONS = "{right} of {total} questions answered as the readout shows."
SCORE_AS_SUPPORTED = "These points count as far as the data supported your call ({share:.0%})."
SCORE_CALIBRATION = (
    "The true effect on {metric} {where} was {truth}{context}; you expected {expected}, "
    "{interval}."
)
SCORE_CALIBRATION_INTERVAL = "{inside} the data's {level:.0%} CI [{low}, {high}]"
SCORE_CALIBRATION_NO_INTERVAL = "and the data had no interval for it yet"
SCORE_CALIBRATION_INSIDE = "inside"
SCORE_CALIBRATION_OUTSIDE = "outside"
SCORE_SPEED_SHIP = (
    "Decision on day {day} plus {rollout} day(s) of staged rollout: {total} days to ship "
    "against the {budget}-day budget."
)
SCORE_SPEED_HOLD = (
    "Decision on day {day} (nothing shipped): {day} days against the {budget}-day budget."
)
SCORE_SPEED_EXTEND = (
    "Extended on day {day} to decide again on day {later}: the clock is still running "
    "against the {budget}-day budget, so no speed points yet."
)
SCORE_SPEED_UNSUPPORTED = (
    "Speed counts as far as the data supported the call ({share:.0%})."
)
NEXT_TIME_NOTHING = "Nothing to change: do it this way again."
NEXT_TIME_CALL = (
    "Make the call the data at day {day} can carry: it supported {supported}. If it cannot "
    "tell yet, extend and look again."
)
NEXT_TIME_OUTCOME = (
    "Weigh where the build helps and where it hurts, segment by segment, before you ship."
)
NEXT_TIME_QUESTIONS = "Read the answer from the readout before you give it: {question}"
NEXT_TIME_DESIGN = "Compare designs before you run: {best} was worth more on this fleet."
NEXT_TIME_CALIBRATION = (
    "State the lift where you ship, from its estimate and {level:.0%} interval, not a round "
    "number."
)
NEXT_TIME_SPEED = "Decide as soon as the data can carry the call: the 30-day budget counts."
SCORE_TOTAL = "{total}/100: {verdict}"
SCORE_VERDICT_GREAT = "a call you can defend"
SCORE_VERDICT_OK = "a defensible call with gaps"
SCORE_VERDICT_POOR = "the data or the truth argued for another call"
# Memo and ledger.
MEMO_TITLE = "Launch decision: {feature}"
MEMO_NO_TEXT = "(no memo written)"
MEMO_NO_READING = "(no reading in this run)"
MEMO_NO_ANSWERS = "(the interviewer's questions were not answered)"

# --- exporting a run (sim/export/dataset.py) ----------------------------------------------------
EXPORT_OUT_IS_FILE = "{path}: is a file; export into a folder (a new or empty one, or an earlier export)"
EXPORT_OUT_NOT_EMPTY = (
    "{path}: the folder holds other files and no earlier export; export into a new or empty folder"
)
EXPORT_WROTE = "{case} seed {seed}: {devices:,} devices x {days} days exported to {folder}"
EXPORT_FILE = "  {name:<20} {size:>10}  {what}"
EXPORT_NO_DAILY = (
    "This run kept no raw daily reports, so there is no daily table: the per-device totals in "
    "devices and the day x arm sums in day_arm hold everything the readout needs (the case's "
    "telemetry.daily_max_devices, {limit:,} here, keeps the raw reports of up to that many "
    "devices; 0 keeps none)."
)
EXPORT_PANEL = (
    "The daily table holds the raw reports of a random panel of {panel:,} of the {devices:,} "
    "devices (devices.in_panel marks them); the readout analyses every device from the "
    "per-device totals in devices."
)
EXPORT_ALL_DAILY = "The daily table holds the raw reports of every device ({devices:,})."

# --- the SQL workbench (sim/export/workbench.py; raised as QueryError, shown as one line) -------
SQL_EMPTY = "type a query first, for example: SELECT arm, count(*) FROM devices GROUP BY arm"
SQL_TOO_LONG = "a query has at most {limit:,} characters (got {length:,})"
SQL_SYNTAX = "not valid SQL: {detail}"
SQL_ONE_STATEMENT = "one query at a time: this text holds {count} statements"
SQL_READ_ONLY = (
    "only SELECT queries run here (this one is {kind}): the workbench reads this run's tables "
    "and changes nothing, attaches nothing and sets nothing"
)
SQL_TABLE_UNKNOWN = "no table {name!r} here; the workbench holds this run's tables only: {tables}"
SQL_TABLE_FUNCTION = (
    "{name}() is not available here: the workbench reads this run's tables only ({tables}); "
    "no files, URLs, extensions or settings"
)
SQL_OUTSIDE = (
    "refused: the query reaches outside this run's tables ({detail}); files, URLs, extensions "
    "and settings are off in the workbench"
)
SQL_TIMEOUT = (
    "stopped after {seconds:g} s: a query may run for {seconds:g} s here; filter or aggregate "
    "first, or add a LIMIT"
)
SQL_MEMORY = "stopped: the query needs more memory than the workbench allows; filter or aggregate first"
SQL_FAILED = "the query failed: {detail}"
SQL_ROWS = "{rows:,} row(s) in {seconds:.2f} s."
SQL_ROWS_CUT = (
    "Showing the first {shown:,} rows in {seconds:.2f} s; the query returned more. Aggregate, "
    "or add a LIMIT."
)

# --- study groups (sim/rooms.py; raised as RoomError, shown as one line) ----------------------
ROOM_CODE_BAD = (
    "{code!r} is not a room code: a code has {length} characters from {alphabet} "
    "(dashes, spaces and case do not matter)"
)
ROOM_UNKNOWN = "no room has the code {code}; check the code with your facilitator"
ROOM_NAME_EMPTY = "type a display name (1 to {limit} characters)"
ROOM_NAME_TOO_LONG = "a display name has at most {limit} characters (got {length})"
ROOM_NAME_UNPRINTABLE = "a display name must be plain printable text (no control characters)"
ROOM_NAME_MIXED_SCRIPT = "a display name must use one writing system (this one mixes {scripts})"
ROOM_NAME_LOOKALIKE = (
    "{name!r} looks like {existing!r}, who is already in room {code}; pick a name that looks "
    "different"
)
ROOM_NAME_TAKEN = (
    "{name!r} is already in room {code}; to come back as {name}, open your personal rejoin "
    "link, or join under another name"
)
ROOM_MEMBER_TOKEN_BAD = (
    "that member link is not valid for room {code}; join the room with your display name"
)
ROOM_EXPIRED = "room {code} has expired (rooms last {days} days); ask the facilitator for a new one"
ROOM_RATE_LIMITED = (
    "too many {action} from here in the last {minutes} minutes; try again in a few minutes"
)
RATE_LIMITED_ACTIONS = {"create": "rooms created", "join": "joins", "class": "classes created"}
ROOM_EXPIRY_BAD = (
    "LAUNCHROOM_ROOM_DAYS must be a number of days above 0 and at most 3650 (got {value!r})"
)
ROOM_MEMBER_UNKNOWN = "{name!r} is not a member of room {code}"
ROOM_NOT_A_MEMBER = "{name!r} has not joined room {code}; join it first"
ROOM_FULL = "room {code} is full ({limit} members)"
ROOM_MEMO_TOO_LONG = "a memo has at most {limit:,} characters (got {length:,})"
ROOM_BAD_DECISION = "not a decision: {detail}"
ROOM_CLOSED = "room {code} has been revealed; submissions are closed"
ROOM_REVEALING = "the facilitator is revealing room {code}; submissions are closed"
ROOM_WRONG_TOKEN = "that facilitator link is not valid for room {code}; nothing was revealed"
ROOM_BAD_SETTINGS = "cannot create a room: {detail}"
ROOM_EXPORT_WRONG_TOKEN = (
    "that facilitator token is not valid for room {code}; nothing was exported"
)
ROOM_NOT_REVEALED = (
    "room {code} has not been revealed yet; its board is exported after the reveal"
)
ROOM_SCORING_FAILED = "room {code} could not be scored, so nothing was revealed: {detail}"
ROOM_DB_UNREACHABLE = (
    "the study-group database at {where} cannot be reached ({detail}); check LAUNCHROOM_DB_URL "
    "or LAUNCHROOM_DB, or ask whoever runs the app"
)
ROOM_DB_BAD_URL = "LAUNCHROOM_DB_URL is not a usable database URL ({detail})"
ROOM_DB_ERROR = "the study-group database at {where} failed ({detail})"
CLASS_NAME_BAD = "a class name is 1 to {limit} printable characters (got {shown!r})"
CLASS_NAME_TAKEN = "there is already a class called {name!r}; pick another name"
CLASS_WRONG_TOKEN = (
    "no class {name!r} opens with that teacher secret; check the name and the secret you were "
    "given when the class was created"
)
CLASS_ATTACH_WRONG_TOKEN = (
    "that facilitator link is not valid for room {code}; only the room's facilitator can "
    "attach it to a class"
)
CLASS_FULL = "class {name!r} already has {limit} rooms"
REVIEW_BAD = "not a review: {detail}"
REVIEW_MEMO_LABEL = "Memo {letter}"
REVIEW_BEFORE_REVEAL = "peer review in room {code} opens after the reveal"
REVIEW_NOT_SUBMITTED = "only members who submitted a call review memos in room {code}"
REVIEW_OWN_MEMO = "you cannot review your own memo; review the memos you were given"
REVIEW_NOT_GIVEN = "that memo was not given to you to review; review the memos you were given"
REVIEW_UNKNOWN_MEMO = "room {code} has no memo {memo!r}"
REVIEW_WRONG_TOKEN = (
    "that facilitator link is not valid for room {code}; only the facilitator sees every "
    "review and names reviewers"
)
REVIEW_CRITERIA = {
    "call": "Is the call the one the data at the decision day supports?",
    "outcome": "Does the memo weigh what the call gains against its risk and cost?",
    "questions": "Does it answer the interviewer's questions from the readout?",
    "design": "Does the design it ships fit the hardware (latency, memory, battery)?",
    "calibration": "Is the expected lift stated with its uncertainty, and is it realistic?",
    "speed": "Does the plan ship within the 30-day budget, or say why not?",
}
REVIEW_RATINGS = {0: "missing", 1: "partly", 2: "clearly"}
CLI_CLASS_HEADER = (
    "class {name}: {rooms} rooms ({revealed} revealed), {members} members, {submitted} calls"
)
CLI_CLASS_ROOM = "  room {code}: {case}, {state}; {submitted} of {members} members submitted"
CLI_ROOM_OPEN = "open"
CLI_ROOM_REVEALED = "revealed (right call: {right})"
CLI_BOARD_HEADER = (
    "room {code}: {case}, seed {seed}, {devices:,} devices; {submitted} of {members} members "
    "submitted; the right call: {right}; true effect {true_lift}"
)

# --- sweeps and the metric lab (sim/sweep.py, sim/lab.py, sim/analysis/mix.py) ---------------
READING_MIX = (
    "{metric}: treatment - control is {pooled:+.4g} pooled and {adjusted:+.4g} once each "
    "{stratum} counts by its share of both groups."
)
READING_MIX_REVERSAL = (
    "Simpson's paradox in {metric}: pooled, treatment - control is {pooled:+.4g}, yet it has "
    "the opposite sign inside every {stratum} ({adjusted:+.4g} adjusted for the mix)."
)
SWEEP_SEEDS_BAD = (
    "seeds: give a number of replications of at least 1, or run indices that are whole "
    "numbers from 0 (got {value!r})"
)
SWEEP_BASE_SEED_BAD = "base seed must be a whole number from 0 to {high} (got {value!r})"
SWEEP_WORKERS_BAD = "workers must be a whole number of at least 1 (got {value!r})"
SWEEP_GRID_EMPTY = "grid {path}: give at least one value"
SWEEP_GRID_FORMAT = (
    "--grid {text!r}: expected PATH=V1,V2,..., for example --grid feature.quantization=int8,int4"
)
SWEEP_GRID_POINT = "grid point {point}: {detail}"
SWEEP_OPTION_UNKNOWN = "{name} {value!r} is not one of: {allowed}"
SWEEP_RUN_FAILED = "run {run} (seed {seed}) at grid point {point}: {detail}"
WORKER_DIED = (
    "the worker process running this stopped before it finished (out of memory, or killed); "
    "it has been replaced: try again, or with a smaller fleet"
)
SWEEP_OUT_FORMAT = "--out {path}: the sweep is saved as .csv or .parquet; pick one of those"
SWEEP_DASK_MISSING = (
    "the {scheduler!r} scheduler needs dask[distributed]; install it with "
    "python -m pip install -r requirements.txt"
)
SWEEP_SCHEDULER_UNREACHABLE = (
    "cannot reach a Dask scheduler at {address} ({detail}); start one with `dask scheduler` "
    "and pass its address (tcp://host:8786), or use --scheduler local"
)


# --- the interviewer's questions (sim.decide.questions) -------------------------------------
BAD_THROUGH_DAY = "the readout's day must be a whole number from 1 (the run has {high}), got {value!r}"
DECISION_FILE_UNREADABLE = "{path}: not a JSON decision ({detail})"
DECISION_FILE_NOT_OBJECT = "{path}: a decision file holds one JSON object with the decision's fields"
DECISION_EXTEND_TO = (
    "extend_to names the later day an extend decides again: only with call extend, and after "
    "the decision day ({day})"
)
QUESTIONS = {
    "split": "Is the split between the arms healthy, and which test says so?",
    "primary_lift": "What is the primary metric's relative lift, and its 95% confidence interval?",
    "guardrails": "Is each guardrail inside its margin?",
    "hurt_segment": "Which segment, if any, does the build hurt?",
    "measurement": "Did the measurement move, or the behaviour?",
    "novelty": "Since install, is the effect fading, lasting or growing?",
}
SPLIT_HEALTHY = "healthy"
SPLIT_BROKEN = "broken"
SPLIT_TESTS = {
    "srm": "the sample-ratio (chi-square) test",
    "completeness": "the reporting completeness by arm",
    "t_test": "a t-test on the metric",
    "ks": "a KS test on the metric",
    "none": "no test",
}
GUARDRAIL_ANSWERS = {"inside": "inside its margin", "outside": "outside its margin",
                     "not_shown": "not yet shown inside its margin"}
MEASUREMENT_ANSWERS = {
    "measurement": "the measurement moved (a step at the update)",
    "behaviour": "behaviour moved (the primary metric changed, no measurement step)",
    "neither": "neither moved clearly",
}
NOVELTY_ANSWERS = {"fading": "fading", "lasting": "lasting (no change between early and late)",
                   "growing": "growing", "too_early": "too early to tell"}
QUESTION_SPLIT_SHOWN = "the split was {state} by {test} ({reading})"
ANSWER_SPLIT = "{state}, by {test}"
ANSWER_NONE = "(none named)"
QUESTION_LIFT_SHOWN = "{estimate} ({level:.0%} CI {low} to {high})"
QUESTION_LIFT_UNREADABLE = "the primary lift could not be read yet"
QUESTION_NO_GUARDRAILS = "the case has no guardrails"
QUESTION_NO_SEGMENT_HURT = "no segment was significantly hurt"
QUESTION_RIGHT = "{question} Right: the readout showed {shown}."
QUESTION_PARTLY = "{question} Partly right: the readout showed {shown}."
QUESTION_WRONG = "{question} Not what the readout showed: {shown}."
QUESTION_UNANSWERED = "{question} Not answered; the readout showed {shown}."


# --- the design comparison (sim.decide.design) ----------------------------------------------
DESIGN_ALL_TIERS = "every tier"
DESIGN_FROM_TIER = "{tier} and above"
DESIGN_NONE = "This case has no design to choose: the feature is what it is."
DESIGN_NOTHING_SHIPS = (
    "No design is worth shipping on this fleet: every design's best call ships nothing."
)
DESIGN_BEST = (
    "Your design ({yours}) is the best on this fleet: its best call, {call}, is worth {gain} "
    "on the primary metric."
)
DESIGN_BETTER = (
    "{best} would have been {gain} on this fleet ({call}); your {yours} gave {your_gain} at "
    "best ({your_call})."
)

# --- the interview (sim.decide.followups, sim.decide.interview, sim.decide.rubric) -------------
FOLLOWUPS = {
    # id: (the interviewer's question, the readout's fact behind it)
    "srm": ("The split failed the sample-ratio check. Who is missing from which arm, and what "
            "does that do to the lift you quoted?",
            "sample-ratio test: {p}"),
    "drift_step": ("The sensor reading stepped on updated devices. How do you know the lift is "
                   "behaviour and not measurement?",
                   "a step of {shift} on updated devices beyond control"),
    "guardrail_near_margin": ("{metric} is {worse} worse against a margin of {margin}: just at "
                              "the edge. Do you still ship, and what would make you stop?",
                              "{metric} {worse} worse, margin {margin}"),
    "segment_differs": ("The effect differs by {kind}. Which {kind} would you hold back, and "
                        "what would you tell the hardware team?",
                        "interaction test by {kind}: {p}"),
    "novelty_fade": ("The effect fell from {early} in the first days to {late} later on. Which "
                     "number goes in the impact ledger?",
                     "early effect {early}, late effect {late}"),
    "past_budget": ("Your plan reaches the fleet on day {day}, past the {budget}-day budget. What "
                    "would you cut to ship in time?",
                    "ships on day {day} (budget {budget} days)"),
    "hardware_team": ("What exactly would you tell the hardware or firmware team after this "
                      "test?", ""),
    "next_step": ("What is the next step after your call, and what would change your mind?", ""),
}
RUBRIC_STRUCTURE = ("Asked {asked} clarifying question(s) before the readout; a strong "
                    "candidate asks about {expected} (devices, metric, budget, success).")
RUBRIC_HARDWARE_NO_MODEL = "The build runs no on-device model: nothing to fit on a chip."
RUBRIC_HARDWARE = "The design's reasoning names {named}; it leaves out {missing}."
RUBRIC_A_TIER = "a chip tier"
RUBRIC_NOTHING = "nothing"
RUBRIC_NOT_ASKED = "The case asks none of these questions: full points."
RUBRIC_LIFT_SHOWN = "the readout: {estimate} ({low} to {high})"
RUBRIC_LIFT_UNREADABLE = "the readout: the lift cannot be read yet"
RUBRIC_NO_SEGMENTS = "none needed"
RUBRIC_MEMO_CHECKS = {"number": "the lift's number", "interval": "its interval",
                      "segments": "the segments", "guardrails": "every guardrail",
                      "next_step": "a next step"}
RUBRIC_COMMUNICATION = ("The memo states {earned}; it misses {lost} ({shown}; segments: "
                        "{segments}; guardrails: {guardrails}).")
CLARIFY_DEVICES = ("{size:,} devices: {types}. Chip tiers: {tiers}.")
CLARIFY_METRIC = ("The success metric is {metric} ({better} is better), read at day {day}.")
CLARIFY_GUARDRAILS = "Guardrails: {guardrails}."
CLARIFY_NO_GUARDRAILS = "The team set no guardrails for this launch."
CLARIFY_BUDGET = ("{budget} days from hypothesis to the rollout on the fleet; the run covers "
                  "{days} days. The feature's latency budget is {budget_ms} ms per use.")
CLARIFY_SUCCESS = ("A measured move of the success metric, typically 2% to 5%, shown with its "
                   "uncertainty, with every guardrail inside its margin, shipped within the "
                   "budget.")
CLARIFY_ROLLOUT = ("Staged over the air: {stages}, with {share:.0%} of {unit}s in treatment; "
                   "gates can pause or halt a stage.")
HINT_NONE = "no hint for the {step} step"
HINTS = {
    "clarify": ("Ask before you analyse: who, what metric, what budget.",
                "Ask about the devices (chip tiers and RAM) and the guardrails' margins."),
    "design": ("Does the model fit on every chip that gets it?",
               "Check latency against the budget and memory against free RAM on {tier}, the "
               "weakest tier."),
    "readout": ("Before any lift: is the split what the plan says?",
                "Read the sample-ratio test and completeness first, then {metric} with its "
                "interval, then segments and guardrails."),
    "call": ("Which devices should get the build, and what would stop you?",
             "A guardrail estimated past its margin, or a segment that loses, changes the call."),
    "followups": ("Answer with the number from the readout.",
                  "Name the metric, its interval and what you would do next within {budget} "
                  "days."),
}
GATE_TRIP_NEVER = "With {trials:,} device-days no crash count can breach the gate: it cannot trip."
GATE_TRIP_READING = ("With {trials:,} device-days the gate needs at least {needed} crashes (a rate "
                     "above {threshold:.2%} that a one-sided binomial test confirms); at a true "
                     "rate of {rate:.3%} the chance of that many or more is {chance:.3%}.")
GATE_DRILL_QUESTION = (
    "The first stage offers the build to {share:.0%} of treatment devices: {devices:,} devices, "
    "checked after {days} day(s). Suppose the build changes nothing and each device crashes on a "
    "day with probability {rate:.3%} (this run's control arm). The crash gate breaches when the "
    "stage's rate is above {threshold:.3%} and a one-sided binomial test against it has p below "
    "{alpha:g}. What is the chance the gate trips by luck?")
GATE_STEP_TRIALS = "Device-days in the stage: {devices:,} x {days} = {trials:,}."
GATE_STEP_NEEDED = ("Fewest crashes that breach: k = {needed} (k / {trials:,} above {threshold:.3%}, "
                    "and P(X >= k) at the threshold below {alpha:g}).")
GATE_STEP_CHANCE = ("At the true rate: P(X >= {needed}) = 1 - sum over j = 0..{last} of "
                    "C({trials:,}, j) p^j (1 - p)^({trials:,} - j) with p = {rate:.4%}: "
                    "{chance:.4%}.")
MARKOV_READING = ("From {pairs:,} day-to-day transitions: an active device stays active with "
                  "probability {stay:.3f} and churns with {churn:.4f} a day.")
MARKOV_DRILL_QUESTION = (
    "From the daily logs of this run's {devices:,} control devices with daily reports, "
    "estimate the active / dormant / churned transition matrix (one transition per pair of "
    "consecutive reported days). Starting from the devices active on day 0, what share is not "
    "churned {steps} days later, by the chain?")
MARKOV_STEP_COUNTS = "Transition counts (rows from, columns to): {counts}."
MARKOV_STEP_MATRIX = "Each row over its total: {matrix}."
MARKOV_STEP_CHECK = (
    "Check against the run on day {day}, the last day it can show churn (churn is {window} days "
    "without activity, so a {days}-day run sees it up to day {day}): the chain says {chain:.2%} "
    "not churned; the Kaplan-Meier curve of the control arm (the readout's retention reading, "
    "{n:,} devices) says {km:.2%}; the truth - the share of this sample that would not have "
    "churned by then without the build, from the simulator's own record of what every device "
    "did (the truth table's retained, control) - is {truth:.2%}.")
MARKOV_STEP_WHY = (
    "Why they differ: the chain sees a churn only when the device reported on both days, and "
    "devices often go silent as they churn, so it tends to overstate retention; it also assumes "
    "every device moves alike, day by day, and it is the only one of the three that reaches "
    "past the run. The Kaplan-Meier curve reads churn from telemetry: every device is followed "
    "from day 0 to the same last day, so on day {day} it is simply the share of the analysed "
    "control devices not churned, and a device that stopped reporting looks churned. The truth "
    "counts what the devices really did, reported or not.")
MARKOV_STEP_TOO_SHORT = (
    "Check against the run: churn is {window} days without activity, so a {days}-day run cannot "
    "show it yet; only the chain says anything about retention here.")
MARKOV_STEP_POWER = ("Start with everyone active: (1, 0, 0) x P^{steps} = {distribution}; not "
                     "churned: {answer:.2%}.")
BAYES_DRILL_QUESTION = (
    "Before the rollout you think there is a {prior:.0%} chance the {tier} tier is hurt: a true "
    "sessions change of -{delta:.0%} there, against no change. Each day's lift on the build in "
    "{tier}, with its standard error: {days}. Treat each day's lift as normal around the true "
    "change. What is the probability that {tier} is hurt after the last of these days?")
BAYES_STEP_RULE = ("Each day multiplies the odds by exp((x^2 - (x + {delta:g})^2) / (2 se^2)): the "
                   "normal density at x under \"hurt\" over the one under \"no change\".")
BAYES_STEP_DAY = "Day {day}: likelihood ratio {ratio:.3f}; P(hurt) now {posterior:.2%}."
BAYES_STEP_READOUT = (
    "Beside it, the Bayesian reading the readout gives (the Analyse page's, here on {tier} "
    "alone): sessions per device over the whole run, {treated:,} treatment against {control:,} "
    "control devices ({method}). The lift is {lift:+.2%} of the control mean ({level:.0%} "
    "credible interval {low:+.2%} to {high:+.2%}); the chance that sessions on {tier} are lower "
    "under treatment than under control is {lower:.1%}, and the chance of a loss of {delta:.0%} "
    "or more is {loss:.1%}.")
BAYES_STEP_WHY = (
    "Why the two numbers differ: yours weighs two point hypotheses, a {delta:.0%} loss or "
    "nothing, so the days push it towards whichever of the two lies nearer the truth, even when "
    "the truth is neither; the readout's puts a flat prior over every possible lift and gives "
    "the whole posterior. And yours reads the first {days} days one at a time, only the devices "
    "already on the build, while the readout pools each device's total over the whole run: "
    "every {tier} treatment device it analyses, on the build or not, against control.")
