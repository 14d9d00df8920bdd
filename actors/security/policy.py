"""Per-project security rules: thresholds, disabled entities, allow-lists, loop/runaway/anomaly limits.

Loaded from YAML (`configs/security.yaml` by default)::

    defaults:
      injection_threshold: 50
      disabled_entities: [IP_ADDRESS]
    projects:
      3f2c…:                      # a project id
        allow_list: [support@example.com]
        loop_threshold: 20

A project's rules are the defaults with that project's keys laid over them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field


class RunawayLimits(BaseModel):
    """When one trace has gone on too long, too wide or too expensive."""

    model_config = ConfigDict(extra="forbid")
    max_spans: int = Field(5000, ge=1, description="Spans in one trace before a runaway alert.")
    max_duration_s: float = Field(3600.0, gt=0, description="Seconds from a trace's first start to its last end.")
    max_cost_usd: float = Field(50.0, gt=0, description="Summed span cost attributes (USD) of one trace.")


class ProjectRules(BaseModel):
    """The rules one project's spans are judged by."""

    model_config = ConfigDict(extra="forbid")
    injection_threshold: int = Field(50, ge=1, le=100, description="Injection score (0–100) that raises an alert.")
    min_score: float = Field(0.4, ge=0, le=1, description="Lowest recognizer score reported as PII or a secret.")
    entity_min_scores: dict[str, float] = Field(default_factory=dict, description="Per-entity overrides of min_score.")
    disabled_entities: list[str] = Field(default_factory=list, description="Entity types never alerted on.")
    allow_list: list[str] = Field(default_factory=list, description="Exact values never reported (e.g. a support address).")
    loop_threshold: int = Field(50, ge=2, description="Same call (name + input) this many times in a trace → loop alert.")
    runaway: RunawayLimits = Field(default_factory=lambda: RunawayLimits.model_validate({}))
    anomaly_sigma: float = Field(3.0, gt=0, description="Standard deviations above the mean that count as an anomaly.")
    anomaly_warmup: int = Field(30, ge=2, description="Samples per (project, operation) before anomalies are judged.")

    def reports(self, entity_type: str, score: float, value: str) -> bool:
        """Whether a finding of this type, score and matched text should be reported."""
        if entity_type in self._disabled:
            return False
        if score < self.entity_min_scores.get(entity_type, self.min_score):
            return False
        return value not in self._allowed

    @property
    def _disabled(self) -> frozenset[str]:
        return frozenset(self.disabled_entities)

    @property
    def _allowed(self) -> frozenset[str]:
        return frozenset(self.allow_list)


class SecurityRules(BaseModel):
    """Defaults plus per-project overrides."""

    model_config = ConfigDict(extra="forbid")
    defaults: ProjectRules = Field(default_factory=lambda: ProjectRules.model_validate({}))
    projects: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        for project_id in self.projects:
            self.for_project(project_id)  # validate every override now, not at the first span

    def for_project(self, project_id: str) -> ProjectRules:
        """The merged rules of one project (the defaults when it has no overrides)."""
        return _merged(self, project_id)

    @classmethod
    def load(cls, path: str | Path | None) -> SecurityRules:
        """Read rules from a YAML file; no path (or a missing default file) gives the defaults.

        Raises:
            ValueError: the file is not valid YAML or does not fit the schema.
        """
        if path is None:
            return cls()
        file = Path(path)
        if not file.exists():
            raise ValueError(f"security rules file {file} does not exist")
        try:
            data = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"security rules file {file} is not valid YAML: {exc}") from exc
        try:
            return cls.model_validate(data)
        except Exception as exc:
            raise ValueError(f"security rules file {file}: {exc}") from exc

    def __hash__(self) -> int:
        return id(self)


@lru_cache(maxsize=4096)
def _merged(rules: SecurityRules, project_id: str) -> ProjectRules:
    override = rules.projects.get(project_id)
    if not override:
        return rules.defaults
    merged = rules.defaults.model_dump()
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    try:
        return ProjectRules.model_validate(merged)
    except Exception as exc:
        raise ValueError(f"security rules for project {project_id!r}: {exc}") from exc
