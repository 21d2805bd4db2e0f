"""Partner certification: domain-aware checks over what a mock recorded during a partner's session.

    evidence = await fetch_evidence("http://127.0.0.1:8765", control_key)
    checks = certify(evidence)
"""

from __future__ import annotations

from simulator.certification.checks import CHECKS, Check, Evidence, certify
from simulator.certification.report import fetch_evidence, to_json, to_markdown, write_junit

__all__ = ["CHECKS", "Check", "Evidence", "certify", "fetch_evidence", "to_json", "to_markdown", "write_junit"]
