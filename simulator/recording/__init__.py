"""Record a partner's session with ``mtdsim serve --record FILE`` and get it back as a scenario suite."""

from __future__ import annotations

from simulator.recording.session import RecordedRequest, Recorder, scenario_document

__all__ = ["RecordedRequest", "Recorder", "scenario_document"]
