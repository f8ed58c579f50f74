"""What leaves Launch Room: the decision memo, the impact ledger, and the charts they share with
the app.

>>> from sim.export import ledger_frame
>>> ledger_frame([]).columns.tolist()[:3]
['feature', 'kpi', 'change_pct']
"""

from sim.export.ledger import LedgerRow, ledger_csv, ledger_frame, ledger_row
from sim.export.memo import memo_html, memo_markdown

__all__ = ["LedgerRow", "ledger_csv", "ledger_frame", "ledger_row", "memo_html", "memo_markdown"]
