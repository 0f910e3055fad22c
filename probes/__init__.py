"""Remote and in-process probe checkers for slatrack. Never imports slatrack."""

from probes.checks import check
from probes.result import CheckResult
from probes.scheduler import ProbeScheduler
from probes.spec import SpecError, TargetSpec

__all__ = ["CheckResult", "ProbeScheduler", "SpecError", "TargetSpec", "check"]
