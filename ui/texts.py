"""Every message the app shows, in one place (the library's own live in sim/messages.py)."""

LINK_UNKNOWN_CASE = "The link names a case that does not exist ({case}); showing the default case."
LINK_BAD_NUMBER = "The link's {name} ({value}) is not usable here; using the default."
LINK_BAD_KNOBS = "The link's settings were not applied: {error}"
RUN_FIRST = "Run the fleet first: the analysis needs a simulated run of the current settings."
RUN_FAILED = "The run failed: {error}. Change the setting it names, or reset the knobs."
UNEXPECTED = (
    "Something went wrong ({kind}: {detail}). Try a smaller fleet or reset the knobs; if it "
    "keeps happening, note the link and report it."
)
UPLOAD_FAILED = "That file cannot be analysed: {error}"
STALE_RUN = "The settings changed since the last run; run again to analyse them."
DECISION_INVALID = "The decision cannot be scored: {error}"
BUDGET_OVER = "Over budget: {days} days from hypothesis to full rollout (the rule is 30)."
BUDGET_OK = "Within budget: {days} days from hypothesis to full rollout (the rule is 30)."

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
ROOM_SUBMITTED = "Submitted. You can change your call until the facilitator reveals."
ROOM_REVEALED = "Revealed: the truth and everyone's scorecards are on the board below."
ROOM_WAITING = "{submitted} of {members} members have submitted."
ROOM_NOBODY = "Nobody has joined yet. Share the join link or read the code aloud."
ROOM_SEGMENTS_MIXED = "Pick segments of one kind only (chip tier, device type or region)."
ROOM_DB_DOWN = "The board cannot be refreshed: {error}. It will try again in a few seconds."
