"""JUnit XML for CI dashboards: a gate is a test suite, each subject a test case, each
blocking issue a failure (warnings go to the case's system-out, as Conftest does)."""

from __future__ import annotations

from collections import defaultdict
from typing import IO
from xml.etree import ElementTree as ET

from reelproof.interfaces.formats import Gate, Issue, Result

name = "junit"


def supports(result: Result) -> bool:
    """Only gates have test cases to report."""
    return isinstance(result, Gate)


def _line(issue: Issue) -> str:
    where = f" [{issue.region}]" if issue.region else ""
    return f"{issue.rule}{where}: {issue.message}"


def render(result: Result, out: IO[str], *, color: bool) -> None:
    """One suite per gate; a failure per subject with a blocking issue."""
    assert isinstance(result, Gate)
    by_subject: dict[str, list[Issue]] = defaultdict(list)
    for issue in result.issues():
        by_subject[issue.location].append(issue)
    subjects = list(dict.fromkeys([*result.subjects(), *by_subject]))
    failures = sum(1 for s in subjects if any(i.level == "error" for i in by_subject[s]))
    suites = ET.Element("testsuites", name=result.gate_name())
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=result.gate_name(),
        tests=str(len(subjects)),
        failures=str(failures),
        errors="0",
    )
    for subject in subjects:
        case = ET.SubElement(suite, "testcase", classname=result.gate_name(), name=subject)
        errors = [i for i in by_subject[subject] if i.level == "error"]
        warnings = [i for i in by_subject[subject] if i.level != "error"]
        if errors:
            failure = ET.SubElement(case, "failure", message=errors[0].message, type=errors[0].rule)
            failure.text = "\n".join(_line(i) for i in errors)
        if warnings:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"warning {_line(i)}" for i in warnings
            )
    ET.indent(suites)
    # ElementTree escapes text and attributes; characters XML 1.0 forbids are replaced.
    text = ET.tostring(suites, encoding="unicode", xml_declaration=True)
    out.write("".join(c if c in "\t\n\r" or c >= " " else "\ufffd" for c in text) + "\n")
