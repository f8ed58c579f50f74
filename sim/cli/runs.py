"""A simulated run's commands: ``run`` a case and print its summary, ``export`` the run as a
dataset, ``analyse`` an experiment table or a saved run."""

from __future__ import annotations

import argparse
import json

from sim import messages
from sim.analysis.frame import to_plain
from sim.cli.common import number, simulate_case, variant_words
from sim.errors import LaunchRoomError


def _run(args: argparse.Namespace) -> int:
    result = simulate_case(args)
    if args.out is not None:
        result.save(args.out)
    summary = result.summary()
    if args.out is not None:
        summary["saved_to"] = str(args.out)
    if args.json:
        print(json.dumps(to_plain(summary), indent=2, allow_nan=False))
    else:
        print(_human_summary(summary))
    return 0


def _human_summary(summary: dict) -> str:
    primary = summary["observed_primary"]
    rollout = "rolled back" if summary["rolled_back"] else (
        "halted by a gate" if summary["halted"] else "completed")
    lines = [
        f"{summary['case']}{variant_words(summary['variant'])}  seed {summary['seed']}  "
        f"{summary['devices']:,} devices x "
        f"{summary['days']} days  ({summary['seconds']:.2f} s)",
        f"  arms: {summary['control_devices']:,} control, "
        f"{summary['treatment_devices']:,} treatment",
        f"  rollout {rollout}; {summary['installed_share_of_treatment']:.1%} of treatment "
        f"installed, {summary['install_failures']:,} install failures, "
        f"{summary['gate_breaches']} gate breaches",
        f"  {summary['primary_metric']} per device (observed): control "
        f"{primary['control_mean']:.3f}, treatment {primary['treatment_mean']:.3f}",
    ]
    if summary.get("saved_to"):
        lines.append(f"  tables saved to {summary['saved_to']}")
    return "\n".join(lines)


def _export(args: argparse.Namespace) -> int:
    from sim.export.dataset import check_export_folder, export_files, summary_lines, write_export

    check_export_folder(args.out)  # before simulating: a bad --out fails at once
    result = simulate_case(args)
    files = export_files(result)
    write_export(files, args.out)
    print("\n".join(summary_lines(result, args.out, files)))
    return 0


def _analyse(args: argparse.Namespace) -> int:
    from sim.analysis import analyse_table, load_table
    from sim.analysis.table import arm_value
    from sim.engine.result import SimResult
    from sim.readout.report import analyse

    if args.file.is_dir():
        if args.cluster is not None:
            raise LaunchRoomError(messages.CLI_RUN_OPTION.format(option="--cluster"))
        report = analyse(SimResult.load(args.file), alpha=args.alpha, basis=args.basis,
                         cap_percentile=args.cap_percentile, quantiles=args.quantiles,
                         through_day=args.through_day)
        payload = report.to_dict()
    else:
        for option, value in (("--basis", args.basis), ("--through-day", args.through_day)):
            if value is not None:
                raise LaunchRoomError(messages.CLI_TABLE_OPTION.format(option=option))
        table = load_table(args.file)
        report = analyse_table(
            table,
            arm=args.arm,
            control=arm_value(table, args.arm, args.control),
            metrics=args.metrics,
            covariate=args.covariate,
            duration=args.duration,
            event=args.event,
            alpha=args.alpha,
            expected_treatment_share=args.treatment_share,
            cap_percentile=args.cap_percentile,
            quantiles=args.quantiles,
            cluster=args.cluster,
        )
        payload = report.to_dict()
    if args.json:
        print(json.dumps(payload, indent=2, allow_nan=False))
    else:
        print(_human_readout(payload, report.reading))
    return 0


def _interval(pair) -> str:
    return "[n/a]" if pair is None or None in pair else f"[{pair[0]:+.4g}, {pair[1]:+.4g}]"


def _human_readout(payload: dict, reading: str) -> str:
    srm = payload["srm"]
    lines = [
        f"SRM: chi2 {number(srm['chi2'], '.3g')}, p {number(srm['p_value'], '.3g')} "
        f"({srm['n_control']:,} control, {srm['n_treatment']:,} treatment)",
        f"{'metric':<18}{'control':>12}{'treatment':>12}{'abs diff':>12}  {'95% CI':<24}"
        f"{'rel lift':>9}  p-value",
    ]
    for name, entry in payload["metrics"].items():
        for label, values in ((name, entry), ("  cuped", entry.get("cuped")),
                              ("  capped", entry.get("capped"))):
            if not values or "control_mean" not in values:
                continue
            lines.append(
                f"{label:<18}{number(values['control_mean'], '>12.4g')}"
                f"{number(values['treatment_mean'], '>12.4g')}"
                f"{number(values['abs_diff'], '>+12.4g')}  {_interval(values['abs_ci']):<24}"
                f"{number(values['rel_lift'], '+.2%'):>9}  {number(values['p_value'], '.3g')}"
            )
        for label, values in (entry.get("quantiles") or {}).items():
            lines.append(
                f"{'  ' + label:<18}{number(values['control'], '>12.4g')}"
                f"{number(values['treatment'], '>12.4g')}"
                f"{number(values['diff'], '>+12.4g')}  {_interval(values['ci']):<24}"
                f"{number(values['rel_diff'], '+.2%'):>9}  {number(values['p_value'], '.3g')}"
            )
    retention = payload.get("retention")
    if retention:
        lines.append(
            f"retention: log-rank chi2 {number(retention['logrank_chi2'], '.3g')}, p "
            f"{number(retention['logrank_p'], '.3g')}; hazard ratio "
            f"{number(retention['hazard_ratio'], '.3g')} "
            f"{_interval(retention['hazard_ratio_ci'])}"
        )
    for name, reason in (payload.get("unavailable") or {}).items():
        lines.append(messages.READING_UNAVAILABLE.format(what=name, reason=reason))
    if payload.get("skipped_columns"):
        lines.append(messages.COLUMNS_SKIPPED.format(columns=", ".join(payload["skipped_columns"])))
    lines.append(reading)
    return "\n".join(lines)


COMMANDS = {"run": _run, "export": _export, "analyse": _analyse}
