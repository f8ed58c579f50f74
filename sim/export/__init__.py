"""What leaves Launch Room: the decision memo, the impact ledger, the charts they share with
the app, the run itself as a dataset (tables, data dictionary, case and starter notebook),
and the SQL workbench over the run's tables.

>>> from sim.export import ledger_frame
>>> ledger_frame([]).columns.tolist()[:3]
['feature', 'kpi', 'change_pct']
"""

from sim.export.dataset import ANALYST_TABLES, analyst_tables, export_run, export_zip
from sim.export.ledger import LedgerRow, ledger_csv, ledger_frame, ledger_row
from sim.export.memo import memo_html, memo_markdown
from sim.export.workbench import Workbench

__all__ = ["ANALYST_TABLES", "LedgerRow", "Workbench", "analyst_tables", "export_run",
           "export_zip", "ledger_csv", "ledger_frame", "ledger_row", "memo_html", "memo_markdown"]
