"""Typed model of Oozie applications (workflows, coordinators, bundles) and running jobs."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OozieAction:
    name: str
    type: str  # hive, hive2, spark, shell, sqoop, pig, fs, java, sub-workflow, email, map-reduce, distcp, ssh, ...
    ok_to: str | None = None
    error_to: str | None = None
    scripts: list[str] = field(default_factory=list)  # <script>, <exec>, <jar>, sub-workflow <app-path>
    files: list[str] = field(default_factory=list)  # <file>, <archive>
    params: list[str] = field(default_factory=list)  # <param> NAME=VALUE
    args: list[str] = field(default_factory=list)  # <argument>/<arg>, sqoop <command>
    main_class: str | None = None
    details: dict[str, str] = field(default_factory=dict)  # jdbc-url, master, mode, name, to, ...
    known: bool = True  # False: an action type no mapper knows (reported, never dropped)


@dataclass
class OozieWorkflow:
    path: str
    name: str
    schema: str = ""  # uri:oozie:workflow:0.5
    start: str | None = None
    actions: list[OozieAction] = field(default_factory=list)
    decisions: dict[str, list[str]] = field(default_factory=dict)  # node -> [case targets..., default]
    forks: dict[str, list[str]] = field(default_factory=dict)
    joins: dict[str, str] = field(default_factory=dict)
    kills: dict[str, str] = field(default_factory=dict)  # node -> message
    end: str | None = None
    parameters: dict[str, str | None] = field(default_factory=dict)  # declared <parameters> with defaults
    el_expressions: list[str] = field(default_factory=list)  # every distinct ${...}


@dataclass
class OozieDataset:
    name: str
    frequency: str = ""
    initial_instance: str = ""
    timezone: str = ""
    uri_template: str = ""
    done_flag: str | None = None


@dataclass
class OozieCoordinator:
    path: str
    name: str
    schema: str = ""
    frequency: str = ""
    start: str = ""
    end: str = ""
    timezone: str = ""
    datasets: list[OozieDataset] = field(default_factory=list)
    input_events: list[dict] = field(default_factory=list)  # {"name", "dataset", "instances": [...]}
    output_events: list[dict] = field(default_factory=list)
    workflow_path: str = ""
    configuration: dict[str, str] = field(default_factory=dict)
    el_expressions: list[str] = field(default_factory=list)


@dataclass
class OozieBundle:
    path: str
    name: str
    schema: str = ""
    coordinators: list[dict] = field(default_factory=list)  # {"name", "app_path"}
    kick_off_time: str = ""


@dataclass
class OozieJob:
    """A job the Oozie server runs (REST API)."""

    id: str
    type: str  # workflow | coordinator | bundle
    app_name: str = ""
    app_path: str = ""
    status: str = ""
    user: str = ""
    frequency: str = ""
    start: str = ""
    end: str = ""


@dataclass
class OozieInventory:
    workflows: list[OozieWorkflow] = field(default_factory=list)
    coordinators: list[OozieCoordinator] = field(default_factory=list)
    bundles: list[OozieBundle] = field(default_factory=list)
    properties: dict[str, dict[str, str]] = field(default_factory=dict)  # job.properties / config-default, redacted
    errors: list[str] = field(default_factory=list)  # one line per file that could not be read
