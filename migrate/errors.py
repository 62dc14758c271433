"""One error hierarchy and one exit-code enum for the whole tool.

Every error names what failed, on which object, and the fix; the CLI prints it as one
line (the traceback only with --traceback) and exits with the error's code.
"""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1  # a bug: please report it with --traceback
    USAGE = 2  # wrong flags or arguments (click's own code)
    CONFIG = 3  # the configuration is missing, malformed or inconsistent
    BAD_INPUT = 4  # an input file is missing, malformed or unreadable
    UNREACHABLE = 5  # a service did not answer
    AUTH = 6  # credentials were refused, or permission denied
    MISSING_DEPENDENCY = 7  # a package, binary or Java is not installed
    PARTIAL = 8  # the run finished but some items failed (see the report)
    FINDINGS = 9  # the run finished and --fail-on found what it was told to fail on
    INTERRUPTED = 130  # Ctrl-C or SIGTERM; a rerun resumes


class OkdpError(Exception):
    """Base of every error the tool reports to its user."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, obj: str | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.obj = obj
        self.fix = fix

    def one_line(self) -> str:
        parts = [f"{self.obj}: {self.message}" if self.obj else self.message]
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return " -- ".join(parts)

    def __str__(self) -> str:
        return self.one_line()


class ConfigError(OkdpError):
    exit_code = ExitCode.CONFIG


class BadInputError(OkdpError):
    exit_code = ExitCode.BAD_INPUT


class ServiceUnreachable(OkdpError):
    exit_code = ExitCode.UNREACHABLE


class AuthError(OkdpError):
    exit_code = ExitCode.AUTH


class MissingDependency(OkdpError):
    exit_code = ExitCode.MISSING_DEPENDENCY


class PartialFailure(OkdpError):
    exit_code = ExitCode.PARTIAL


class FindingsThreshold(OkdpError):
    exit_code = ExitCode.FINDINGS


def require(module: str, extra: str, purpose: str):
    """Import an optional module, or raise MissingDependency naming the pip extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(
            f"{purpose} needs the Python module '{module}' ({exc})",
            obj=module,
            fix=f"pip install 'okdp-migrate[{extra}]'",
        ) from exc
